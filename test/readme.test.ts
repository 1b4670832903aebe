// The README stays a front door (at most 12 KiB), and every relative link and #anchor in the docs resolves.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brokenReason, headingSlug, markdownLinks } from './helpers/markdown-links.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_LIMIT_BYTES = 12_288;

/** README.md, bench/README.md and every .md under docs/. */
function documentationFiles(): string[] {
  const files = [path.join(ROOT, 'README.md'), path.join(ROOT, 'bench', 'README.md')];
  const pending = [path.join(ROOT, 'docs')];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.name.endsWith('.md')) files.push(full);
    }
  }
  return files;
}

function brokenLinks(files: readonly string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    for (const link of markdownLinks(file)) {
      const reason = brokenReason(link);
      if (reason !== undefined) broken.push(`${path.relative(ROOT, file)}:${link.line} (${link.target}): ${reason}`);
    }
  }
  return broken;
}

test(`README.md is at most ${README_LIMIT_BYTES} bytes`, () => {
  const size = statSync(path.join(ROOT, 'README.md')).size;
  assert.ok(size <= README_LIMIT_BYTES, `README.md is ${size} bytes; move reference material to docs/`);
});

test('every relative link and #anchor in README.md, docs/ and bench/README.md resolves', () => {
  const files = documentationFiles();
  assert.ok(files.length >= 3, `expected the README, bench/README.md and pages under docs/, found ${files.length}`);
  assert.deepEqual(brokenLinks(files), []);
});

describe('the link check itself', () => {
  // Heading → the anchor GitHub gives it.
  const slugs: ReadonlyArray<readonly [string, string]> = [
    ['Cost per request (instruction counts)', 'cost-per-request-instruction-counts'],
    ['First deploy: two commands after the bootstrap', 'first-deploy-two-commands-after-the-bootstrap'],
    ['Order: bootstrap → backend config → main', 'order-bootstrap--backend-config--main'],
    ['Variables (`terraform/`)', 'variables-terraform'],
    ['CI/CD', 'cicd'],
    ['What is [linked](x.md) **here**', 'what-is-linked-here'],
  ];
  for (const [heading, anchor] of slugs) {
    test(`"${heading}" is #${anchor}`, () => {
      assert.equal(headingSlug(heading), anchor);
    });
  }

  test('finds a missing file, a missing heading and an anchor into a non-Markdown file, and nothing else', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'docs-links-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'other.md'), '# Other\n\n## A section\n\n## A section\n\n```sh\n# not a heading\n```\n');
    writeFileSync(path.join(dir, 'data.txt'), 'plain\n');
    const page = path.join(dir, 'page.md');
    writeFileSync(
      page,
      [
        '# Page',
        '[ok](other.md) [ok](other.md#a-section) [ok](other.md#a-section-1) [ok](#page) [ok](https://example.com/x)',
        '[missing](gone.md) [bad anchor](other.md#not-a-heading) [code heading](other.md#not-a-heading-either)',
        '[into text](data.txt#x) [self](#nowhere) `[in code](ignored.md)`',
        '```',
        '[in a fence](ignored.md)',
        '```',
      ].join('\n'),
    );
    const found = markdownLinks(page).map((link) => `${link.line} ${link.target}: ${brokenReason(link) ?? 'ok'}`);
    assert.deepEqual(found, [
      '2 other.md: ok',
      '2 other.md#a-section: ok',
      '2 other.md#a-section-1: ok',
      '2 #page: ok',
      '2 https://example.com/x: ok',
      '3 gone.md: gone.md does not exist',
      '3 other.md#not-a-heading: other.md has no heading #not-a-heading',
      '3 other.md#not-a-heading-either: other.md has no heading #not-a-heading-either',
      '4 data.txt#x: #x points into data.txt, which is not a Markdown file',
      '4 #nowhere: this file has no heading #nowhere',
    ]);
  });
});
