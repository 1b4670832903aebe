// Which folder may import which: the service (lib/, server.ts) and the tooling (scripts/) never reach into test/,
// and only the process runner spawns.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = /\.(?:ts|mts|js|mjs)$/;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(relative));
    else if (SOURCE.test(entry.name)) files.push(relative);
  }
  return files;
}

/** The folder (first path segment) every relative import of `file` lands in; TypeScript's own scanner finds them all. */
function importedFolders(file: string): Array<{ specifier: string; folder: string }> {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  const found: Array<{ specifier: string; folder: string }> = [];
  for (const { fileName: specifier } of importedFiles) {
    if (!specifier.startsWith('.')) continue;
    const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
    found.push({ specifier, folder: target.split(path.sep)[0] ?? '' });
  }
  return found;
}

function violations(files: readonly string[], forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    for (const { specifier, folder } of importedFolders(file)) {
      if (forbidden.includes(folder)) found.push(`${file} imports ${specifier}`);
    }
  }
  return found;
}

test('scripts/ never imports from test/', () => {
  const files = sourceFiles('scripts');
  assert.ok(files.length > 20, `found only ${files.length} files under scripts/`);
  assert.deepEqual(violations(files, ['test']), []);
});

test('lib/ and server.ts import neither test/ nor scripts/ (the image holds only what they need)', () => {
  const files = [...sourceFiles('lib'), 'server.ts'];
  assert.ok(files.length > 10, `found only ${files.length} files under lib/`);
  assert.deepEqual(violations(files, ['test', 'scripts']), []);
});

test('scripts/lib/process.ts is the only module of scripts/ and lib/ that spawns processes', () => {
  const spawning: string[] = [];
  for (const file of [...sourceFiles('scripts'), ...sourceFiles('lib'), 'server.ts']) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    if (importedFiles.some((entry) => entry.fileName === 'node:child_process' || entry.fileName === 'child_process')) spawning.push(file);
  }
  assert.deepEqual(spawning, [path.join('scripts', 'lib', 'process.ts')]);
});

test('the scan sees every import form: static, re-export, side-effect and dynamic', () => {
  const source = [
    "import { a } from '../test/helpers/a.ts';",
    "import type { B } from '../test/helpers/b.ts';",
    "export { c } from '../test/helpers/c.ts';",
    "import '../test/helpers/d.ts';",
    "const e = await import('../test/helpers/e.ts');",
    'import {\n  f,\n} from "../test/helpers/f.ts";',
  ].join('\n');
  const { importedFiles } = ts.preProcessFile(source, true, true);
  assert.deepEqual(
    importedFiles.map((entry) => entry.fileName),
    ['../test/helpers/a.ts', '../test/helpers/b.ts', '../test/helpers/c.ts', '../test/helpers/d.ts', '../test/helpers/e.ts', '../test/helpers/f.ts'],
  );
});
