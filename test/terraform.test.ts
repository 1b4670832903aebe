// Terraform: fmt, init + validate of both roots against the offline mirror (lock file untouched), and `terraform test`.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  LOCK_FILE_NAME,
  TERRAFORM_DIR,
  copyTerraformTree,
  findPluginDir,
  missingPrerequisites,
  runTerraform,
  type TerraformResult,
} from './helpers/terraform.ts';

const ROOTS = ['.', 'bootstrap'] as const;
/** Both `terraform test` suites take about a minute on 2 cores; the margin is for slow CI machines. */
const TERRAFORM_TEST_TIMEOUT_MS = 300_000;
const INIT_TIMEOUT_MS = 120_000;

function output(result: TerraformResult): string {
  return `exit ${String(result.code)}\n${result.stdout}${result.stderr}`;
}

function providerConstraint(versionsFile: string): string {
  const match = /source\s*=\s*"hashicorp\/aws"\s*\n(?:\s*#.*\n)*\s*version\s*=\s*"([^"]+)"/.exec(readFileSync(versionsFile, 'utf8'));
  assert.ok(match?.[1], `${versionsFile}: no hashicorp/aws version constraint`);
  return match[1];
}

describe('terraform lock files (no binary needed)', () => {
  for (const root of ROOTS) {
    test(`${root}/${LOCK_FILE_NAME} holds hashes for every platform and matches the version constraint`, () => {
      const lock = readFileSync(path.join(TERRAFORM_DIR, root, LOCK_FILE_NAME), 'utf8');
      const zhHashes = lock.match(/"zh:[0-9a-f]{64}"/g) ?? [];
      const h1Hashes = lock.match(/"h1:[A-Za-z0-9+/]{43}="/g) ?? [];
      // One zh: (zip SHA-256) per released platform; a lock made from a local mirror alone has none.
      assert.ok(zhHashes.length >= 10, `expected the registry's zh: checksums for all platforms, found ${zhHashes.length}`);
      assert.ok(h1Hashes.length >= 1, 'expected at least one h1: hash');
      const constraints = /constraints\s*=\s*"([^"]+)"/.exec(lock)?.[1];
      assert.equal(constraints, providerConstraint(path.join(TERRAFORM_DIR, root, 'versions.tf')), 'lock constraints must equal versions.tf');
    });
  }
});

describe('terraform (real binary, offline provider mirror)', () => {
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    test('terraform checks', (t) => {
      t.skip(`SKIPPED terraform fmt/validate/test — missing: ${missing.join('; ')}`);
    });
    return;
  }

  let workDir = '';
  before(() => {
    workDir = copyTerraformTree();
  });
  after(() => {
    if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
  });

  test('terraform fmt -check -recursive finds nothing to reformat', async () => {
    const result = await runTerraform(['fmt', '-check', '-recursive', '-no-color'], workDir);
    assert.equal(result.code, 0, `unformatted files (run terraform fmt -recursive terraform/):\n${output(result)}`);
  });

  for (const root of ROOTS) {
    test(`${root}: init -backend=false from the mirror leaves the committed lock file unchanged, then validate`, { timeout: INIT_TIMEOUT_MS }, async () => {
      const cwd = path.join(workDir, root);
      const committedLock = readFileSync(path.join(TERRAFORM_DIR, root, LOCK_FILE_NAME), 'utf8');
      const pluginDir = findPluginDir() ?? '';
      const init = await runTerraform(
        ['init', '-backend=false', `-plugin-dir=${pluginDir}`, '-lockfile=readonly', '-input=false', '-no-color'],
        cwd,
      );
      assert.equal(init.code, 0, `terraform init failed:\n${output(init)}`);
      assert.equal(readFileSync(path.join(cwd, LOCK_FILE_NAME), 'utf8'), committedLock, 'terraform init modified the lock file');

      const validate = await runTerraform(['validate', '-no-color'], cwd);
      assert.equal(validate.code, 0, `terraform validate failed:\n${output(validate)}`);
      assert.match(validate.stdout, /Success! The configuration is valid\./);
    });

    test(`${root}: terraform test passes`, { timeout: TERRAFORM_TEST_TIMEOUT_MS }, async (t) => {
      const result = await runTerraform(['test', '-no-color'], path.join(workDir, root));
      const summary = /(Success!|Failure!) (\d+) passed, (\d+) failed(?:, (\d+) skipped)?\./.exec(result.stdout);
      for (const line of result.stdout.split('\n')) {
        if (/^\s*run "|\.tftest\.hcl\.\.\. (pass|fail)/.test(line)) t.diagnostic(line.trim());
      }
      assert.ok(summary, `no "N passed, M failed" summary in terraform test output:\n${output(result)}`);
      t.diagnostic(`terraform test (${root}): ${summary[0]}`);
      assert.equal(result.code, 0, `terraform test failed:\n${output(result)}`);
      assert.equal(summary[3], '0', `terraform test reported failures:\n${output(result)}`);
      assert.ok(Number(summary[2]) > 0, 'terraform test ran no run blocks');
    });
  }
});
