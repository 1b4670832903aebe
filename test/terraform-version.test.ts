// One minimum Terraform version: the scripts' pre-flight (MINIMUM_TERRAFORM), both roots' required_version and CI's pin agree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { isSupportedVersion, MINIMUM_TERRAFORM, MINIMUM_TERRAFORM_VERSION } from '../scripts/lib/terraform.ts';
import { REPO_ROOT, TERRAFORM_DIR } from './helpers/terraform.ts';

const TERRAFORM_SETUP_ACTION = path.join(REPO_ROOT, '.github', 'actions', 'terraform-setup', 'action.yml');

function requiredVersion(root: string): string {
  const file = path.join(TERRAFORM_DIR, root, 'versions.tf');
  const match = /^\s*required_version\s*=\s*"([^"]+)"/m.exec(readFileSync(file, 'utf8'));
  assert.ok(match?.[1], `${file}: no required_version`);
  return match[1];
}

for (const root of ['.', 'bootstrap']) {
  test(`terraform/${root}/versions.tf requires the pre-flight's minimum, >= ${MINIMUM_TERRAFORM_VERSION}`, () => {
    assert.equal(requiredVersion(root), `>= ${MINIMUM_TERRAFORM_VERSION}`, 'change MINIMUM_TERRAFORM in scripts/lib/terraform.ts and both versions.tf together');
  });
}

test("CI's pinned Terraform passes the pre-flight", () => {
  const action = parse(readFileSync(TERRAFORM_SETUP_ACTION, 'utf8')) as { runs: { steps: Array<{ uses?: string; with?: Record<string, unknown> }> } };
  const setup = action.runs.steps.find((step) => step.uses?.startsWith('hashicorp/setup-terraform@') === true);
  const pinned = String(setup?.with?.terraform_version);
  assert.ok(isSupportedVersion(pinned), `terraform_version ${pinned} in ${TERRAFORM_SETUP_ACTION} is below ${MINIMUM_TERRAFORM_VERSION}`);
});

test('the pre-flight accepts the minimum and newer, and refuses anything older', () => {
  const { major, minor } = MINIMUM_TERRAFORM;
  assert.equal(isSupportedVersion(`${major}.${minor}.0`), true);
  assert.equal(isSupportedVersion(`${major}.${minor + 1}.0-beta1`), true);
  assert.equal(isSupportedVersion(`${major + 1}.0.0`), true);
  assert.equal(isSupportedVersion(`${major}.${minor - 1}.9`), false);
  assert.equal(isSupportedVersion(`${major - 1}.99.0`), false);
  assert.equal(isSupportedVersion('unknown'), false);
});
