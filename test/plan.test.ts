// The plan reader and renderers fed real `terraform show -json` output, and `npm run plan` exit codes and checksum.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256OfFile, verifyPlanChecksum } from '../scripts/lib/plan-file.ts';
import { changedPaths, classifyActions, formatPath, readPlan, type PlanSummary } from '../scripts/lib/plan-reader.ts';
import { headline, renderMarkdown, renderText } from '../scripts/lib/plan-render.ts';
import { createTerraform } from '../scripts/lib/terraform.ts';
import { runProcess, type RunOptions, type RunResult } from '../scripts/lib/process.ts';
import { copyFixture, REPO_ROOT, runScript, scriptEnv, tempDir, terraformMissing } from './helpers/scripts.ts';

/** The start of an SGR colour sequence. */
const ANSI = '\u001b[';

function terraform(dir: string, ...args: string[]): void {
  const result = spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' } });
  assert.ok(result.status === 0 || result.status === 2, `terraform ${args.join(' ')}: ${result.stderr}`);
}

/** Plans the fixture with `vars` through the real wrapper and returns the summary of the real plan JSON. */
async function planFixture(dir: string, out: string, vars: Array<[string, string]>): Promise<{ summary: PlanSummary; json: unknown }> {
  const tf = createTerraform({ dir, env: scriptEnv(), echo: false });
  await tf.plan({ out: join(dir, out), vars });
  const json = await tf.showJson(join(dir, out));
  return { summary: readPlan(json), json };
}

test('plan reader on real terraform plans of a terraform_data root', async (t) => {
  const missing = terraformMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const dir = copyFixture(t, 'tf-plan');
  await createTerraform({ dir, env: scriptEnv(), echo: false }).init({ backend: 'default' });

  const first = await planFixture(dir, 'create.tfplan', [['image_tag', 'v1']]);
  await t.test('a first plan creates everything', () => {
    assert.deepEqual(first.summary.counts, { create: 3, update: 0, replace: 0, delete: 0, read: 0, forget: 0, 'no-op': 0 });
    assert.deepEqual(first.summary.changes.map((c) => `${c.action} ${c.address}`), [
      'create terraform_data.cache[0]',
      'create terraform_data.load_balancer',
      'create terraform_data.service',
    ]);
    assert.deepEqual(first.summary.destructive, []);
    assert.deepEqual(first.summary.outputChanges, [{ name: 'image_tag', action: 'create' }, { name: 'service_url', action: 'create' }]);
    assert.equal(first.summary.variables.image_tag, 'v1');
    assert.equal(headline(first.summary), 'Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy, 2 output(s) changing.');
  });

  terraform(dir, 'apply', '-input=false', join(dir, 'create.tfplan'));

  await t.test('the same variables again: all no-op, no changes', async () => {
    const same = await planFixture(dir, 'same.tfplan', [['image_tag', 'v1']]);
    assert.equal(same.summary.counts['no-op'], 3);
    assert.equal(same.summary.hasChanges, false);
    assert.deepEqual(same.summary.changes, []);
    assert.match(renderText(same.summary, { colour: false }), /^No changes\./);
  });

  const mixed = await planFixture(dir, 'mixed.tfplan', [['image_tag', 'v2'], ['generation', '2'], ['with_cache', 'false'], ['with_lookup', 'true']]);
  await t.test('update, replace, delete and read, with the destructive ones flagged with their reason', () => {
    const { summary } = mixed;
    assert.deepEqual(summary.counts, { create: 0, update: 1, replace: 1, delete: 1, read: 1, forget: 0, 'no-op': 0 });
    const byAddress = new Map(summary.changes.map((change) => [change.address, change]));
    assert.equal(byAddress.get('terraform_data.service')?.action, 'update');
    assert.equal(byAddress.get('data.terraform_remote_state.lookup[0]')?.action, 'read');
    assert.deepEqual(
      summary.destructive.map((c) => [c.action, c.address, c.reason, c.replacePaths]),
      [
        ['delete', 'terraform_data.cache[0]', 'delete_because_count_index', []],
        ['replace', 'terraform_data.load_balancer', 'replace_because_cannot_update', ['triggers_replace']],
      ],
    );
  });

  await t.test('the text table: aligned, colour only when asked', () => {
    const plain = renderText(mixed.summary, { colour: false });
    assert.ok(!plain.includes(ANSI));
    assert.match(plain, /^Plan: 0 to add, 1 to change, 1 to replace, 1 to destroy, 1 to read, 2 output\(s\) changing\./);
    assert.match(plain, /\nreplace {2}terraform_data\.load_balancer +replace_because_cannot_update; forced by triggers_replace\n/);
    assert.match(plain, /2 destructive change\(s\): terraform_data\.cache\[0\], terraform_data\.load_balancer/);
    assert.ok(renderText(mixed.summary, { colour: true }).includes(ANSI));
  });

  await t.test('the Markdown summary: warning, table, outputs', () => {
    const markdown = renderMarkdown(mixed.summary);
    assert.match(markdown, /^### Terraform plan\n\n\*\*Plan: 0 to add, 1 to change, 1 to replace, 1 to destroy/);
    assert.match(markdown, /> \[!WARNING\]\n> 2 destructive change\(s\)/);
    assert.match(markdown, /\| `-\/\+` replace \| `terraform_data\.load_balancer` \| replace_because_cannot_update; forced by triggers_replace \|/);
    assert.match(markdown, /\| update \| `image_tag` \|/);
  });

  await t.test('an unknown format_version major is refused with a clear message', () => {
    const future = { ...(mixed.json as Record<string, unknown>), format_version: '2.0' };
    assert.throws(() => readPlan(future), /format_version 2\.0 is not supported \(this reader understands 1\.x\)/);
    const minorBump = { ...(mixed.json as Record<string, unknown>), format_version: '1.9' };
    assert.equal(readPlan(minorBump).counts.replace, 1);
  });
});

test('classifyActions and changedPaths', () => {
  assert.equal(classifyActions(['create', 'delete']), 'replace');
  assert.equal(classifyActions(['delete', 'create']), 'replace');
  assert.equal(classifyActions(['no-op']), 'no-op');
  assert.throws(() => classifyActions(['teleport']), /unknown action list \[teleport\]/);
  assert.deepEqual(changedPaths({ a: 1, b: { c: [1, 2] }, d: 'x' }, { a: 1, b: { c: [1, 3] }, e: 'y' }).map(formatPath), ['b.c[1]', 'd', 'e']);
});

test('the terraform wrapper passes argument arrays and the automation environment', async () => {
  const calls: Array<{ program: string; args: readonly string[]; options: RunOptions | undefined }> = [];
  // Exit codes handed out in call order: init ok, init failing, plan with changes.
  const codes = [0, 1, 2];
  const runner = (program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> => {
    calls.push({ program, args, options });
    return Promise.resolve({ kind: 'exited', code: codes.shift() ?? 0, stdout: '', stderr: 'Error: backend unreachable' });
  };
  const tf = createTerraform({ dir: '/root-module', runner, env: {}, echo: false });
  await tf.init({ backend: { configFile: '/root-module/backend.hcl' }, pluginDir: '/plugins' });
  await assert.rejects(tf.init({ backend: false }), /terraform init failed \(exit 1\)\nError: backend unreachable/);
  const outcome = await tf.plan({ out: '/tmp/p', vars: [['image_tag', 'abc']], varFiles: ['/v.tfvars'], refreshOnly: true });
  assert.deepEqual(outcome, { kind: 'changes' });
  assert.deepEqual(calls[0]?.args, ['init', '-input=false', '-no-color', '-backend-config=/root-module/backend.hcl', '-plugin-dir=/plugins']);
  assert.deepEqual(calls[1]?.args, ['init', '-input=false', '-no-color', '-backend=false']);
  assert.deepEqual(calls[2]?.args, ['plan', '-input=false', '-detailed-exitcode', '-lock-timeout=5m', '-no-color', '-refresh-only', '-var-file=/v.tfvars', '-var', 'image_tag=abc', '-out=/tmp/p']);
  for (const call of calls) {
    assert.equal(call.program, 'terraform');
    assert.equal(call.options?.cwd, '/root-module');
    assert.equal(call.options?.env?.TF_IN_AUTOMATION, '1');
    assert.equal(call.options?.env?.CHECKPOINT_DISABLE, '1');
  }
});

test('npm run plan: exit codes, checksum file, Markdown on stdout', async (t) => {
  const missing = terraformMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const dir = copyFixture(t, 'tf-plan');
  const out = join(dir, 'tfplan');
  const changes = await runScript('plan', ['--terraform-dir', dir, '--image-tag', 'v1', '--out', out, '--format', 'markdown']);
  assert.equal(changes.code, 2, changes.stderr);
  assert.match(changes.stdout, /^### Terraform plan\n\n\*\*Plan: 3 to add/);
  assert.doesNotMatch(changes.stdout, /Terraform will perform/, 'terraform output belongs on stderr');
  assert.equal(readFileSync(`${out}.sha256`, 'utf8'), `${sha256OfFile(out)}  tfplan\n`);
  assert.equal(verifyPlanChecksum(out).kind, 'ok');

  terraform(dir, 'apply', '-input=false', out);
  // No --image-tag: the deployed tag is reused from the state's image_tag output, so nothing changes.
  const none = await runScript('plan', ['--terraform-dir', dir, '--out', out]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /^No changes\./);
  assert.match(none.stderr, /keeping the deployed image_tag v1/);

  const broken = await runScript('plan', ['--terraform-dir', join(dir, 'missing'), '--out', out]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /Terraform directory .*missing does not exist/);
});

test('a command started through a symlinked path still runs (node loads modules by their real path)', async (t) => {
  const link = join(tempDir(t, 'link'), 'plan.ts');
  symlinkSync(join(REPO_ROOT, 'scripts', 'plan.ts'), link);
  const result = await runProcess(process.execPath, ['--import', 'tsx', link, '--help'], { cwd: REPO_ROOT });
  assert.equal(result.kind, 'exited');
  assert.match(result.kind === 'exited' ? result.stdout : '', /^Usage: npm run plan/);
});

test('npm run plan: usage and backend configuration errors', async (t) => {
  const help = await runScript('plan', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit status: 0 no changes, 2 changes present, 1 error/);
  const badFormat = await runScript('plan', ['--format', 'html']);
  assert.equal(badFormat.code, 64);
  assert.match(badFormat.stderr, /--format must be one of text, markdown; got "html"/);
  const unknown = await runScript('plan', ['--frobnicate']);
  assert.equal(unknown.code, 64);

  if (terraformMissing() !== undefined) {
    t.skip(terraformMissing());
    return;
  }
  const dir = copyFixture(t, 'tf-plan');
  writeFileSync(join(dir, 'backend.hcl.example'), 'path = "example.tfstate"\n');
  writeFileSync(join(dir, 'backend.tf'), 'terraform {\n  backend "local" {}\n}\n');
  mkdirSync(join(dir, 'bootstrap'));
  writeFileSync(join(dir, 'bootstrap', 'main.tf'), 'output "backend_hcl" {\n  value = "path = \\"main.tfstate\\"\\n"\n}\n');
  const args = ['--terraform-dir', dir, '--image-tag', 'v1', '--out', join(dir, 'tfplan')];

  const noBackend = await runScript('plan', args);
  assert.equal(noBackend.code, 1);
  assert.equal(
    noBackend.stderr,
    `plan: pre-flight: ${dir}/backend.hcl not found; write it from the bootstrap's backend_hcl output with --backend-from-bootstrap, or run: terraform -chdir=${dir}/bootstrap output -raw backend_hcl > ${dir}/backend.hcl\nplan: 1 pre-flight check(s) failed; nothing was changed\n`,
  );

  const notBootstrapped = await runScript('plan', [...args, '--backend-from-bootstrap']);
  assert.equal(notBootstrapped.code, 1);
  assert.match(notBootstrapped.stderr, /plan: the state of .*bootstrap has no backend_hcl output; apply the bootstrap first/);
  assert.ok(!existsSync(join(dir, 'backend.hcl')));

  terraform(join(dir, 'bootstrap'), 'init', '-input=false');
  terraform(join(dir, 'bootstrap'), 'apply', '-input=false', '-auto-approve');
  const written = await runScript('plan', [...args, '--backend-from-bootstrap']);
  assert.equal(written.code, 2, written.stderr);
  assert.match(written.stderr, /plan: wrote .*backend\.hcl from the bootstrap's backend_hcl output/);
  assert.equal(readFileSync(join(dir, 'backend.hcl'), 'utf8'), 'path = "main.tfstate"\n');
  // init took its backend configuration from the file just written.
  const backend = JSON.parse(readFileSync(join(dir, '.terraform', 'terraform.tfstate'), 'utf8')) as { backend: { config: { path: string } } };
  assert.equal(backend.backend.config.path, 'main.tfstate');

  writeFileSync(join(dir, 'backend.hcl'), 'path = "edited.tfstate"\n');
  const kept = await runScript('plan', [...args, '--backend-from-bootstrap']);
  assert.match(kept.stderr, /backend\.hcl already exists; left as it is/);
  assert.equal(readFileSync(join(dir, 'backend.hcl'), 'utf8'), 'path = "edited.tfstate"\n');
});

test('plan and drift: unusable AWS credentials are one pre-flight line, before Terraform runs', async (t) => {
  if (terraformMissing() !== undefined) {
    // Pre-flight would add its own "terraform not found" line.
    t.skip(terraformMissing());
    return;
  }
  // A root with the aws provider; no provider is installed, so Terraform could not even init without the check.
  const dir = copyFixture(t, 'tf-aws');
  const env = scriptEnv({ FAKE_TOOL_LOG: join(tempDir(t, 'tool-log'), 'calls.jsonl'), FAKE_TOOL_FAIL: 'aws sts' }, { fakes: true });
  for (const command of ['plan', 'drift']) {
    const result = await runScript(command, ['--terraform-dir', dir, '--image-tag', 'v1'], { env });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `${command}: pre-flight: AWS credentials are not usable (aws sts get-caller-identity: aws: simulated failure of aws sts); run \`aws sso login\` or set AWS_PROFILE / AWS_ACCESS_KEY_ID\n${command}: 1 pre-flight check(s) failed; nothing was changed\n`,
    );
    assert.ok(!existsSync(join(dir, '.terraform')), `${command} ran terraform init`);
  }
});
