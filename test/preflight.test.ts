// Pre-flight on an injected runner: which missing tools are blockers for which command, one line each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preflight } from '../scripts/lib/preflight.ts';
import type { RunResult, Runner } from '../scripts/lib/process.ts';

/** terraform 1.11.4 answers; every other program is missing from PATH. */
const onlyTerraform: Runner = (program) => {
  const result: RunResult =
    program === 'terraform' ? { kind: 'exited', code: 0, stdout: '{"terraform_version":"1.11.4"}', stderr: '' } : { kind: 'not-found', program };
  return Promise.resolve(result);
};

test('plan and drift without the aws CLI: the credentials are left to Terraform, not made a blocker', async () => {
  assert.deepEqual(await preflight({ building: false, needsAwsCredentials: true, run: onlyTerraform }), []);
});

test('a deploy that builds needs docker and the aws CLI: each missing one is its own line', async () => {
  const failures = await preflight({ building: true, needsAwsCredentials: true, run: onlyTerraform });
  assert.equal(failures.length, 2);
  assert.match(failures[0] ?? '', /^docker not found on PATH; /);
  assert.match(failures[1] ?? '', /^aws not found on PATH; /);
});
