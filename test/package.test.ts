// package.json and its lockfile: every dependency's install script is a reviewed decision, so `npm ci` prints no warning.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface LockEntry {
  readonly version?: string;
  readonly hasInstallScript?: boolean;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as unknown;
}

/** name@version of every locked package that has an install script (npm 11 warns about each one not in allowScripts). */
function packagesWithInstallScripts(): string[] {
  const lock = readJson('package-lock.json') as { packages: Record<string, LockEntry> };
  const found: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (entry.hasInstallScript !== true) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    found.push(`${name}@${entry.version ?? ''}`);
  }
  return found;
}

test('every dependency with an install script has an allowScripts entry (npm ci warns about the others)', () => {
  const allowScripts = (readJson('package.json') as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
  const withScripts = packagesWithInstallScripts();
  assert.ok(withScripts.length > 0, 'the lockfile lists no install scripts: this test no longer checks anything (esbuild had one)');
  for (const pkg of withScripts) {
    const name = pkg.slice(0, pkg.lastIndexOf('@'));
    const entry = allowScripts[pkg] ?? allowScripts[name];
    assert.equal(
      typeof entry,
      'boolean',
      `${pkg} has an install script and no allowScripts entry in package.json: review it, then run npm install-scripts deny ${name} (or approve ${name})`,
    );
  }
});
