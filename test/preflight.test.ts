// Pre-flight on an injected runner: which missing or broken tools are blockers for which command, one line each.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitError } from '../scripts/lib/errors.ts';
import { preflight, requirePreflight } from '../scripts/lib/preflight.ts';
import type { RunResult, Runner } from '../scripts/lib/process.ts';
import { missingBackendMessage } from '../scripts/lib/terraform-root.ts';
import { MINIMUM_TERRAFORM_VERSION } from '../scripts/lib/terraform.ts';
import { commandLine, exited, recordingRunner } from './helpers/runner.ts';

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

/** Every tool answers; `override` replaces the answer of the programs it names. */
function tools(override: Record<string, RunResult> = {}): Runner {
  return (program) => {
    const answers: Record<string, RunResult> = {
      terraform: exited(0, '{"terraform_version":"1.15.9","platform":"linux_amd64"}'),
      docker: exited(0, '28.1.1\n'),
      aws: exited(0, '{"Account":"123456789012"}'),
      ...override,
    };
    return Promise.resolve(answers[program] ?? { kind: 'not-found', program });
  };
}

test('everything in place: no blockers, and the checks asked what they needed', async () => {
  const { run, calls } = recordingRunner((call) => (call.program === 'terraform' ? exited(0, '{"terraform_version":"1.11.0"}') : exited(0)));
  assert.deepEqual(await preflight({ building: true, needsAwsCredentials: true, run }), []);
  assert.deepEqual(calls.map(commandLine), ['terraform version -json', 'docker version --format {{.Server.Version}}', 'aws sts get-caller-identity --output json']);
  for (const call of calls) assert.equal(typeof call.options.timeoutMs, 'number', `${call.program}: a hung check cannot hold the command`);
});

test(`terraform older than ${MINIMUM_TERRAFORM_VERSION}, missing, or failing: one line each, with the version to install`, async () => {
  const old = await preflight({ building: false, needsAwsCredentials: false, run: tools({ terraform: exited(0, '{"terraform_version":"1.10.5"}') }) });
  assert.deepEqual(old, [`terraform 1.10.5 is too old; install Terraform >= ${MINIMUM_TERRAFORM_VERSION}`]);
  const missing = await preflight({ building: false, needsAwsCredentials: false, run: tools({ terraform: { kind: 'not-found', program: 'terraform' } }) });
  assert.deepEqual(missing, [`terraform not found on PATH; install Terraform >= ${MINIMUM_TERRAFORM_VERSION}`]);
  const broken = await preflight({ building: false, needsAwsCredentials: false, run: tools({ terraform: exited(1, '', 'line 1\nsegmentation fault\n') }) });
  assert.deepEqual(broken, [`terraform version failed (segmentation fault); reinstall Terraform >= ${MINIMUM_TERRAFORM_VERSION}`]);
});

test('a docker without its daemon, and credentials the aws CLI cannot use, are blockers with the fix', async () => {
  const failures = await preflight({
    building: true,
    needsAwsCredentials: true,
    run: tools({
      docker: exited(1, '', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n'),
      aws: exited(255, '', 'Unable to locate credentials\n'),
    }),
  });
  assert.deepEqual(failures, [
    'docker cannot reach its daemon (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?); start Docker and retry',
    'AWS credentials are not usable (aws sts get-caller-identity: Unable to locate credentials); run `aws sso login` or set AWS_PROFILE / AWS_ACCESS_KEY_ID',
  ]);
});

test('a missing backend.hcl is a blocker, unless it is about to be written from the bootstrap', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'backend.hcl.example'), 'bucket = "example"\n');
  const run = tools();
  assert.deepEqual(await preflight({ building: false, needsAwsCredentials: false, terraformDir: dir, run }), [missingBackendMessage(dir)]);
  assert.deepEqual(await preflight({ building: false, needsAwsCredentials: false, terraformDir: dir, writesBackend: true, run }), []);
});

test('requirePreflight prints every blocker, then stops with one summary line', async () => {
  const notes: string[] = [];
  const run = tools({ terraform: exited(0, '{"terraform_version":"1.5.7"}'), docker: { kind: 'not-found', program: 'docker' } });
  await assert.rejects(
    requirePreflight({ building: true, needsAwsCredentials: true, run }, (line) => notes.push(line)),
    (error: unknown) => error instanceof ExitError && error.message === '2 pre-flight check(s) failed; nothing was changed',
  );
  assert.deepEqual(notes.map((line) => line.replace(/;.*/, '')), ['pre-flight: terraform 1.5.7 is too old', 'pre-flight: docker not found on PATH']);
  await requirePreflight({ building: true, needsAwsCredentials: true, run: tools() }, (line) => notes.push(line));
  assert.equal(notes.length, 2, 'nothing printed when everything is in place');
});
