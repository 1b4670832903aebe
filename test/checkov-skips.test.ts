// Inline Checkov skips: each one well formed, with a reason, in a resource, and naming a check the pinned Checkov has.
// Runs on plain `node --test` too (node: modules only), so CI's config-scan job can judge Checkov's own report with it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { failedChecks, findSkips, findSkipsUnder, skipProblems, skipsNotApplied, type CheckovSkip } from './helpers/checkov-skips.ts';
import { TERRAFORM_DIR } from './helpers/terraform.ts';

function problemsOf(skips: readonly CheckovSkip[]): string[] {
  return skips.flatMap((skip) => skipProblems(skip, skips));
}

const REASON = 'Accepted on purpose: the reason is long enough to say why.';

/** [what is wrong, fixture, the problem it must produce]. */
const BAD_FIXTURES: [string, string, RegExp][] = [
  ['no reason', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=CKV_AWS_18\n}\n`, /reason after the ID/],
  ['a reason too short to say why', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=CKV_AWS_18:not needed\n}\n`, /reason after the ID/],
  ['an ID that is no Checkov AWS ID', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=AWS-0089:${REASON}\n}\n`, /one CKV_AWS_n or CKV2_AWS_n ID/],
  ['two IDs in one comment', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=CKV_AWS_18,CKV_AWS_144:${REASON}\n}\n`, /one CKV_AWS_n or CKV2_AWS_n ID/],
  ['a brace in the reason', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=CKV_AWS_18:${REASON} See \${var.x}.\n}\n`, /must not contain \{ or \}/],
  ['a skip outside any block', `#checkov:skip=CKV_AWS_18:${REASON}\nresource "aws_s3_bucket" "a" {\n}\n`, /inside a resource block/],
  ['a skip in a data block', `data "aws_vpc" "a" {\n  #checkov:skip=CKV_AWS_18:${REASON}\n}\n`, /inside a resource block/],
  ['the same ID twice in a block', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=CKV_AWS_18:${REASON}\n  #checkov:skip=CKV_AWS_18:${REASON}\n}\n`, /already skipped/],
];

describe('Checkov inline skips', () => {
  const skips = findSkipsUnder(TERRAFORM_DIR);

  test('every skip under terraform/ is well formed, has a reason and sits in a resource', () => {
    assert.ok(skips.length > 0, 'no #checkov:skip comments found under terraform/');
    assert.deepEqual(problemsOf(skips), []);
  });

  test('a well-formed skip passes', () => {
    assert.deepEqual(problemsOf(findSkips('ok.tf', `resource "aws_s3_bucket" "a" {\n  #checkov:skip=CKV2_AWS_62:${REASON}\n  bucket = "a"\n}\n`)), []);
  });

  for (const [what, source, expected] of BAD_FIXTURES) {
    test(`a skip with ${what} is refused`, () => {
      const problems = problemsOf(findSkips('bad.tf', source));
      assert.ok(problems.some((problem) => expected.test(problem)), `expected ${String(expected)}, got:\n${problems.join('\n')}`);
    });
  }

  // The pinned Checkov (CI's config-scan job) writes its JSON report and points CHECKOV_REPORT at it: a skip it did not
  // apply names a check it does not have, or one that does not apply to that resource. With `checkov` on PATH, its
  // check list is the reference instead. Here PyPI is out of reach, so without either this says so and skips.
  test('every skip names a check the pinned Checkov has, applied to its resource, and nothing else fails', (t) => {
    const reportFile = process.env.CHECKOV_REPORT;
    if (reportFile !== undefined && reportFile !== '') {
      const report: unknown = JSON.parse(readFileSync(reportFile, 'utf8'));
      assert.deepEqual(failedChecks(report), [], 'Checkov findings that are neither fixed nor skipped');
      const unused = skipsNotApplied(skips, report).map((skip) => `${skip.file}:${String(skip.line)} ${String(skip.id)}`);
      assert.deepEqual(unused, [], 'skips Checkov did not apply (unknown ID, or not a check of that resource type)');
      return;
    }
    const listing = spawnSync('checkov', ['--list', '--framework', 'terraform'], { encoding: 'utf8' });
    if (listing.error !== undefined || listing.status !== 0) {
      t.skip('SKIPPED: checkov is not installed and CHECKOV_REPORT is not set; CI checks the IDs against the pinned Checkov');
      return;
    }
    const unknown = skips.filter((skip) => skip.id === undefined || !listing.stdout.includes(skip.id)).map((skip) => `${skip.file}:${String(skip.line)} ${String(skip.id)}`);
    assert.deepEqual(unknown, [], 'skip IDs missing from `checkov --list`');
  });
});
