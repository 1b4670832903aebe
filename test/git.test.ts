// The git adapter on a recording runner: the repository root, the commit, the dirty files, and each way it can fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitError } from '../scripts/lib/errors.ts';
import { readGitState } from '../scripts/lib/git.ts';
import { exited, recordingRunner, type RecordedCall } from './helpers/runner.ts';
import type { RunResult } from '../scripts/lib/process.ts';

const SHA = '3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a';

/** A repository at /repo with HEAD at SHA and this `git status --porcelain` output. */
function repository(status: string): (call: RecordedCall) => RunResult {
  return (call) => {
    const command = call.args.join(' ');
    if (command === 'rev-parse --show-toplevel') return exited(0, '/repo\n');
    if (command === 'rev-parse --verify HEAD') return exited(0, `${SHA}\n`);
    if (command === 'status --porcelain') return exited(0, status);
    return exited(2, '', `unexpected: git ${command}`);
  };
}

test('a clean checkout: the root from where we stand, then the commit and status asked at the root', async () => {
  const { run, calls } = recordingRunner(repository(''));
  assert.deepEqual(await readGitState(run, '/repo/scripts'), { root: '/repo', commit: SHA, dirtyFiles: [] });
  assert.deepEqual(
    calls.map((call) => `${call.options.cwd ?? '?'}: ${call.program} ${call.args.join(' ')}`),
    ['/repo/scripts: git rev-parse --show-toplevel', '/repo: git rev-parse --verify HEAD', '/repo: git status --porcelain'],
  );
});

test('uncommitted and untracked files are listed, one porcelain line each', async () => {
  const { run } = recordingRunner(repository(' M Dockerfile\n?? notes.txt\n\n'));
  assert.deepEqual((await readGitState(run, '/repo')).dirtyFiles, [' M Dockerfile', '?? notes.txt']);
});

test('outside a repository: one line saying so and what to do instead', async () => {
  const { run, calls } = recordingRunner(() => exited(128, '', 'fatal: not a git repository (or any of the parent directories): .git\n'));
  await assert.rejects(
    readGitState(run, '/tmp/somewhere'),
    (error: unknown) =>
      error instanceof ExitError && error.message === '/tmp/somewhere is not inside a git repository; the image is tagged with the commit, so build from a clone (or pass --image-tag)',
  );
  assert.equal(calls.length, 1);
});

test('a repository without a commit yet: git\'s own reason', async () => {
  const { run } = recordingRunner((call) =>
    call.args[1] === '--show-toplevel' ? exited(0, '/repo\n') : exited(128, '', "fatal: Needed a single revision\n"),
  );
  await assert.rejects(readGitState(run, '/repo'), (error: unknown) => error instanceof ExitError && error.message === 'git rev-parse HEAD failed (exit 128)\nfatal: Needed a single revision');
});

test('without git: named, with why it is needed', async () => {
  const { run } = recordingRunner((call) => ({ kind: 'not-found', program: call.program }));
  await assert.rejects(readGitState(run, '/repo'), (error: unknown) => error instanceof ExitError && error.message === 'git not found on PATH; install git (the image is tagged with the commit SHA)');
});
