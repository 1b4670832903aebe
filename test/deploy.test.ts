// End to end: npm run deploy against a terraform_data fixture, fake docker/aws on PATH, a loopback server as the ALB.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { copyFixture, FAKE_BIN, readToolLog, runScript, scriptEnv, startAlb, tempDir, terraformMissing } from './helpers/scripts.ts';

const FAKE_ECR_PASSWORD = 'fake-ecr-password-Zq81xT';
const ECR_URL = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-service';
/** Short waits keep the suite quick; the timeout case still needs several attempts. */
const FAST_HEALTH = ['--health-interval', '0.2', '--health-timeout', '20'];

interface Alb {
  url: string;
  /** When set, /health reports this commit whatever was applied (a service that never rolls). */
  stuckCommit?: string;
}

/** The "ALB" reports as commit the image_tag the fixture's state says is deployed. */
async function startStateAlb(t: TestContext, terraformDir: string): Promise<Alb> {
  const alb: Alb = { url: '' };
  const statePath = join(terraformDir, 'terraform.tfstate');
  alb.url = await startAlb(t, () => {
    const state = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { outputs?: { image_tag?: { value?: string } } }) : {};
    return alb.stuckCommit ?? state.outputs?.image_tag?.value ?? 'none';
  });
  return alb;
}

function stateOutputs(dir: string): Record<string, { value: unknown }> {
  return (JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8')) as { outputs: Record<string, { value: unknown }> }).outputs;
}

/** Each file in FAKE_BIN with its modification time and a hash of its contents. */
function fakeToolsState(): Record<string, string> {
  const state: Record<string, string> = {};
  for (const name of readdirSync(FAKE_BIN).sort()) {
    const file = join(FAKE_BIN, name);
    state[name] = `${statSync(file).mtimeMs} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  }
  return state;
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

test('npm run deploy against a terraform_data root', async (t) => {
  const missing = terraformMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const fakeToolsBefore = fakeToolsState();
  const dir = copyFixture(t, 'tf-deploy');
  const alb = await startStateAlb(t, dir);
  const varFile = join(dir, 'test.tfvars');
  writeFileSync(varFile, `service_url = "${alb.url}"\n`);
  const toolLog = join(tempDir(t, 'tool-log'), 'calls.jsonl');
  const env = scriptEnv({ FAKE_TOOL_LOG: toolLog }, { fakes: true });
  const base = ['--terraform-dir', dir, ...FAST_HEALTH];

  await t.test('--image-tag: plans, applies the saved plan, waits for /health and smoke-checks', async () => {
    const result = await runScript('deploy', [...base, '--var-file', varFile, '--image-tag', 'v1', '--auto-approve'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy/);
    assert.match(result.stderr, /health reports commit v1 after/);
    assert.match(result.stderr, /smoke: all \d+ checks passed/);
    assert.equal(stateOutputs(dir).image_tag?.value, 'v1');
    assert.equal(stateOutputs(dir).service_url?.value, alb.url);
    // No build and a root without the aws provider: neither docker nor aws was needed.
    assert.deepEqual(readToolLog(toolLog), []);
  });

  await t.test('off a terminal without --auto-approve it refuses and changes nothing', async () => {
    const result = await runScript('deploy', [...base, '--var-file', varFile, '--image-tag', 'v2'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not running on a terminal; pass --auto-approve/);
    assert.equal(stateOutputs(dir).image_tag?.value, 'v1');
  });

  await t.test('a replacement is refused without --allow-destroy', async () => {
    const replaceVars = join(dir, 'replace.tfvars');
    writeFileSync(replaceVars, `service_url = "${alb.url}"\ngeneration = "2"\n`);
    const result = await runScript('deploy', [...base, '--var-file', replaceVars, '--image-tag', 'v1', '--auto-approve'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /replace\s+terraform_data\.load_balancer\s+replace_because_cannot_update/);
    assert.match(result.stderr, /refusing to apply 1 destructive change\(s\) \(replace terraform_data\.load_balancer\).*--allow-destroy/);
  });

  const repo = tempDir(t, 'repo');
  await t.test('builds from the git commit, logs in to ECR through stdin only, pushes, deploys that tag', async () => {
    writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(repo, 'package.json'), '{"name":"hello-service","version":"1.2.3"}\n');
    git(repo, 'init', '--quiet');
    git(repo, 'add', 'Dockerfile', 'package.json');
    git(repo, 'commit', '--quiet', '-m', 'test');
    const commit = git(repo, 'rev-parse', 'HEAD');

    const result = await runScript('deploy', [...base, '--var-file', varFile, '--auto-approve'], { cwd: repo, env });
    assert.equal(result.code, 0, result.stderr);

    const calls = readToolLog(toolLog).map((call) => `${call.tool} ${call.argv.join(' ')}`);
    const image = `${ECR_URL}:${commit}`;
    assert.deepEqual(calls, [
      'docker version --format {{.Server.Version}}',
      'aws sts get-caller-identity --output json',
      `docker build --platform linux/amd64 --file ${join(repo, 'Dockerfile')} --tag ${image} --build-arg VERSION=1.2.3 --build-arg REVISION=${commit} ${repo}`,
      'aws ecr get-login-password --region eu-west-1',
      'docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      `docker push ${image}`,
    ]);
    const login = readToolLog(toolLog).find((call) => call.argv[0] === 'login');
    assert.equal(login?.stdin, FAKE_ECR_PASSWORD);
    for (const call of readToolLog(toolLog)) assert.ok(!call.argv.join(' ').includes(FAKE_ECR_PASSWORD), 'password on a command line');
    assert.ok(!result.stdout.includes(FAKE_ECR_PASSWORD) && !result.stderr.includes(FAKE_ECR_PASSWORD), 'password in the output');
    assert.equal(stateOutputs(dir).image_tag?.value, commit);
    assert.match(result.stderr, new RegExp(`done: ${commit} is live`));
  });

  await t.test('a dirty tree is refused before anything is built', async () => {
    appendFileSync(join(repo, 'Dockerfile'), 'LABEL dirty=true\n');
    const before = readToolLog(toolLog).length;
    const dirty = await runScript('deploy', [...base, '--var-file', varFile, '--auto-approve'], { cwd: repo, env });
    assert.equal(dirty.code, 1);
    assert.match(dirty.stderr, /uncommitted change\(s\) \(M Dockerfile…\).*--allow-dirty/);
    assert.ok(!readToolLog(toolLog).slice(before).some((call) => call.argv[0] === 'build'));
  });

  await t.test('a saved plan is applied as saved; a tampered one is refused', async () => {
    const planFile = join(dir, 'tfplan');
    const plan = await runScript('plan', ['--terraform-dir', dir, '--var-file', varFile, '--image-tag', 'v3', '--out', planFile], { env });
    assert.equal(plan.code, 2, plan.stderr);
    const pristine = readFileSync(planFile);

    appendFileSync(planFile, Buffer.from([0]));
    const tampered = await runScript('deploy', [...base, '--plan-file', planFile, '--skip-build', '--auto-approve'], { env });
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /does not match its sha256 .*re-run npm run plan/);
    assert.notEqual(stateOutputs(dir).image_tag?.value, 'v3');

    writeFileSync(planFile, pristine);
    const applied = await runScript('deploy', [...base, '--plan-file', planFile, '--skip-build', '--auto-approve'], { env });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /matches its sha256/);
    // No fresh plan: without the saved plan's -var the deploy would have kept the deployed tag, not v3.
    assert.equal(stateOutputs(dir).image_tag?.value, 'v3');
  });

  await t.test('the health wait times out with a clear message when the new commit never shows', async () => {
    alb.stuckCommit = 'v3';
    const result = await runScript('deploy', ['--terraform-dir', dir, '--var-file', varFile, '--image-tag', 'v4', '--auto-approve', '--health-interval', '0.2', '--health-timeout', '1'], { env });
    alb.stuckCommit = undefined;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /waiting for .*\/health to report commit v4: \d+ s, \d+ attempt\(s\), last: 200 status="ok" commit="v3"/);
    assert.match(result.stderr, /did not report commit v4 within 1 s \(\d+ attempt\(s\), last: 200 status="ok" commit="v3"\); see `aws ecs describe-services --cluster hello-service-test --services hello-service`/);
  });

  await t.test('pre-flight names every missing tool on its own line and changes nothing', async () => {
    // A PATH with node, git and terraform only: no docker, no aws.
    const bin = tempDir(t, 'bin');
    for (const tool of ['node', 'git', 'terraform']) {
      const found = spawnSync('which', [tool], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bin, tool));
    }
    const result = await runScript('deploy', [...base, '--auto-approve'], { env: { ...env, PATH: bin } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pre-flight: docker not found on PATH; install Docker/);
    assert.match(result.stderr, /pre-flight: aws not found on PATH; install the AWS CLI v2/);
    assert.match(result.stderr, /2 pre-flight check\(s\) failed; nothing was changed/);
  });

  await t.test('pre-flight lists every blocker at once: terraform version, docker, AWS credentials, backend.hcl', async () => {
    const root = copyFixture(t, 'tf-deploy');
    writeFileSync(join(root, 'backend.hcl.example'), 'bucket = "example"\n');
    const bin = tempDir(t, 'bin');
    for (const tool of ['node', 'git']) symlinkSync(spawnSync('which', [tool], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
    symlinkSync(join(FAKE_BIN, 'aws'), join(bin, 'aws'));
    writeFileSync(join(bin, 'terraform'), '#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify({ terraform_version: "1.5.7" }));\n', { mode: 0o755 });
    const result = await runScript('deploy', ['--terraform-dir', root, '--auto-approve'], { env: { ...env, PATH: bin, FAKE_TOOL_FAIL: 'aws sts' } });
    assert.equal(result.code, 1);
    const lines = result.stderr.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 4).map((line) => line.replace(/;.*/, '')), [
      'deploy: pre-flight: terraform 1.5.7 is too old',
      'deploy: pre-flight: docker not found on PATH',
      'deploy: pre-flight: AWS credentials are not usable (aws sts get-caller-identity: aws: simulated failure of aws sts)',
      `deploy: pre-flight: ${root}/backend.hcl not found`,
    ]);
    assert.equal(lines[4], 'deploy: 4 pre-flight check(s) failed; nothing was changed');
    assert.equal(lines.length, 5);
  });

  await t.test('--help and bad flags', async () => {
    const help = await runScript('deploy', ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--plan-file <file>/);
    const bad = await runScript('deploy', ['--plan-file', 'x', '--image-tag', 'y']);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--image-tag cannot be combined with --plan-file/);
  });

  assert.deepEqual(fakeToolsState(), fakeToolsBefore, 'the fakes only append to the per-test log: nothing in FAKE_BIN is added, removed or rewritten');
});
