// No shell anywhere in the project's code: no shell: true, no exec/execSync, no `sh -c`, no command strings built by concatenation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers/scripts.ts';
import { projectSourceFiles, scanProject, scanSource } from './helpers/scripts-shell-scan.ts';

test('the project spawns programs with argument arrays only', () => {
  const files = projectSourceFiles(REPO_ROOT);
  for (const expected of ['server.ts', 'scripts/deploy.ts', 'scripts/lib/process.ts', 'lib/security-headers.ts']) {
    assert.ok(files.some((file) => file.endsWith(expected)), `${expected} is scanned`);
  }
  const findings = scanProject(REPO_ROOT);
  assert.deepEqual(findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.text}`), []);
});

test('the scanner catches each way of reaching a shell', () => {
  const bad: Array<[string, string]> = [
    ["spawn('terraform', ['plan'], { shell: true });", 'shell option'],
    ["spawnSync('ls', [], { shell: '/bin/bash' });", 'shell option'],
    ["import { exec } from 'node:child_process';", 'exec import'],
    ["const { execSync } = require('child_process');", 'exec import'],
    ["exec('terraform plan', callback);", 'exec call'],
    ["child_process.exec('ls');", 'exec call'],
    ['const out = execSync(`docker push ${image}`);', 'execSync call'],
    ["spawn('sh', ['-c', 'aws ecr get-login-password | docker login']);", 'shell -c'],
    ["spawn('terraform ' + subcommand, []);", 'command string'],
    ["spawn(`terraform ${subcommand}`);", 'command string'],
    ["spawn('terraform plan', []);", 'command string'],
    ["spawn(program + ' ' + args.join(' '));", 'command string'],
    ["await run('docker build', args);", 'command string'],
  ];
  for (const [source, rule] of bad) {
    const findings = scanSource(source);
    assert.ok(findings.some((f) => f.rule === rule), `${source} should be flagged as ${rule}; got ${JSON.stringify(findings)}`);
  }
});

test('the scanner leaves argument-array spawns and RegExp#exec alone', () => {
  const good = [
    "spawn('terraform', ['plan', `-out=${file}`], { shell: false });",
    "const match = /^(\\d+)\\./.exec(version);",
    "await run('docker', ['login', '--password-stdin', host], { input: password });",
    "execFile('git', ['rev-parse', 'HEAD']);",
    '// never exec() or a shell: true here, this is a comment',
  ];
  for (const source of good) assert.deepEqual(scanSource(source), [], source);
});
