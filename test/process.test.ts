// The process runner with real child processes: capture, stdin, exit codes, missing programs, timeout, signals.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitError } from '../scripts/lib/errors.ts';
import { expectExit, runProcess, startProcess } from '../scripts/lib/process.ts';
import { TERRAFORM } from '../scripts/lib/terraform.ts';

const node = process.execPath;

test('captures stdout, stderr and the exit code', async () => {
  const result = await runProcess(node, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)']);
  assert.deepEqual(result, { kind: 'exited', code: 3, stdout: 'out', stderr: 'err' });
});

test('arguments reach the child verbatim: no shell expands them', async () => {
  const tricky = ['$(echo pwned)', '; rm -rf /', '"quoted" and spaces', '*'];
  const result = await runProcess(node, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...tricky]);
  assert.equal(result.kind, 'exited');
  assert.deepEqual(JSON.parse(result.kind === 'exited' ? result.stdout : ''), tricky);
});

test('input goes to the child on stdin', async () => {
  const result = await runProcess(node, ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(s.toUpperCase()))'], { input: 'secret' });
  assert.equal(result.kind === 'exited' ? result.stdout : '', 'SECRET');
});

test('a missing program is reported as not-found, with an install hint from expectExit', async () => {
  const result = await runProcess('definitely-not-installed-7f3a', []);
  assert.deepEqual(result, { kind: 'not-found', program: 'definitely-not-installed-7f3a' });
  assert.throws(
    () => expectExit({ kind: 'not-found', program: 'terraform' }, TERRAFORM, 'terraform version'),
    (error: unknown) => error instanceof ExitError && error.message === 'terraform not found on PATH; install Terraform >= 1.11',
  );
});

test('a missing working directory is not mistaken for a missing program', async () => {
  await assert.rejects(runProcess(node, ['-v'], { cwd: '/no/such/dir' }), /directory \/no\/such\/dir does not exist \(needed to run /);
});

test('the timeout stops the child', async () => {
  const result = await runProcess(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 200 });
  assert.equal(result.kind, 'timed-out');
  assert.throws(() => expectExit(result, TERRAFORM, 'terraform plan'), /terraform plan timed out after 0 s/);
});

test('SIGTERM sent to us is forwarded to the child, which can clean up', async () => {
  const ready = join(mkdtempSync(join(tmpdir(), 'signal-')), 'ready');
  const child = runProcess(node, [
    '-e',
    'process.on("SIGTERM", () => { process.stdout.write("cleaned up"); process.exit(7); }); require("fs").writeFileSync(process.argv[1], ""); setTimeout(() => {}, 60_000)',
    ready,
  ]);
  // Once the child has its handler installed, signal ourselves: the runner's listener forwards it.
  while (!existsSync(ready)) await new Promise((resolve) => setTimeout(resolve, 20));
  process.kill(process.pid, 'SIGTERM');
  const result = await child;
  assert.equal(result.kind, 'exited');
  assert.equal(result.kind === 'exited' ? result.code : -1, 7);
  assert.match(result.kind === 'exited' ? result.stdout : '', /cleaned up/);
  assert.equal(process.listenerCount('SIGTERM'), 0, 'the forwarding listener is removed afterwards');
});

test('non-accepted exit codes become an ExitError with the tail of stderr', () => {
  const result = { kind: 'exited', code: 1, stdout: '', stderr: 'line1\nError: No valid credential sources found\n' } as const;
  assert.throws(() => expectExit(result, TERRAFORM, 'terraform init'), /terraform init failed \(exit 1\)\nline1\nError: No valid credential sources found$/);
  assert.equal(expectExit({ kind: 'exited', code: 2, stdout: '', stderr: '' }, TERRAFORM, 'plan', [0, 2]).code, 2);
});

test('startProcess hands over each line as it comes and leaves stopping the child to the caller', async () => {
  const lines: string[] = [];
  const ready = join(mkdtempSync(join(tmpdir(), 'lines-')), 'ready');
  const child = startProcess(
    node,
    ['-e', 'process.stdout.write("one\\ntw"); process.stdout.write("o\\n"); process.stderr.write("oops\\n"); require("fs").writeFileSync(process.argv[1], ""); setTimeout(() => {}, 60_000)', ready],
    { capture: false, forwardSignals: false, onLine: (line, stream) => lines.push(`${stream}:${line}`) },
  );
  assert.equal(typeof child.pid, 'number');
  assert.equal(process.listenerCount('SIGTERM'), 0, 'no forwarding listener: the caller decides how the child stops');
  while (!existsSync(ready)) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGTERM');
  const result = await child.result;
  assert.deepEqual(result, { kind: 'signalled', signal: 'SIGTERM', stdout: '', stderr: '' });
  assert.deepEqual(lines.filter((line) => line.startsWith('stdout:')), ['stdout:one', 'stdout:two']);
  assert.deepEqual(lines.filter((line) => line.startsWith('stderr:')), ['stderr:oops']);
  child.kill('SIGKILL');
});
