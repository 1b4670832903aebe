// `npm run drift`: exit codes from real refresh-only plans, and the drift renderer on a recorded resource_drift plan.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readPlan } from '../scripts/lib/plan-reader.ts';
import { renderDriftMarkdown, renderDriftText } from '../scripts/lib/plan-render.ts';
import { copyFixture, FIXTURES, runScript, terraformMissing } from './helpers/scripts.ts';

const RECORDED = join(FIXTURES, 'tf-drift', 'recorded', 'refresh-only-with-resource-drift.json');

test('npm run drift against a real refresh-only plan', async (t) => {
  const missing = terraformMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const dir = copyFixture(t, 'tf-drift');
  // Deploy the fixture once, through the same tooling (plan, then apply the saved plan).
  const planFile = join(dir, 'tfplan');
  assert.equal((await runScript('plan', ['--terraform-dir', dir, '--image-tag', 'abc123', '--out', planFile])).code, 2);
  const applied = await runScript('deploy', ['--terraform-dir', dir, '--plan-file', planFile, '--skip-build', '--auto-approve']);
  // The fixture has no service_url, so deploy stops after the apply; the state is what matters here.
  assert.match(applied.stderr, /the state has no service_url output/);

  await t.test('exit 0 when nothing changed outside Terraform', async () => {
    const result = await runScript('drift', ['--terraform-dir', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'No drift: the real infrastructure matches the Terraform state.\n');
    assert.match(result.stderr, /keeping the deployed image_tag abc123/);
  });

  await t.test('exit 2 and the changed output listed when the outside world moved', async () => {
    writeFileSync(join(dir, 'upstream-release.txt'), '2026.11.2\n');
    const result = await runScript('drift', ['--terraform-dir', dir, '--format', 'markdown']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, /^### Terraform drift\n/);
    assert.match(result.stdout, /#### Outputs that would change on refresh\n\n\| Action \| Output \|\n\| --- \| --- \|\n\| update \| `upstream_release` \|/);
    // Refresh-only: nothing was written to the state.
    const state = JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8')) as { outputs: Record<string, { value: unknown }> };
    assert.equal(state.outputs.upstream_release?.value, '2026.11.1');
  });

  await t.test('exit 1 when Terraform fails', async () => {
    rmSync(join(dir, 'upstream-release.txt'));
    const result = await runScript('drift', ['--terraform-dir', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /drift: terraform plan failed \(exit 1\)/);
  });
});

test('the drift report from a recorded resource_drift document (see fixtures/tf-drift/recorded/README.md)', () => {
  const summary = readPlan(JSON.parse(readFileSync(RECORDED, 'utf8')));
  assert.deepEqual(
    summary.drift.map((item) => [item.action, item.address, item.changedAttributes]),
    [
      ['update', 'aws_ecs_service.this', ['desired_count', 'tags.Owner']],
      ['update', 'aws_ssm_parameter.api_key', ['value', 'version']],
      ['delete', 'aws_vpc_security_group_ingress_rule.alb_https', ['(whole object)']],
    ],
  );

  const text = renderDriftText(summary);
  assert.match(text, /^Drift: 3 resource\(s\) changed outside Terraform:\n {2}~ aws_ecs_service\.this \(update\)\n {6}desired_count\n {6}tags\.Owner\n/);
  assert.match(text, /- aws_vpc_security_group_ingress_rule\.alb_https \(deleted outside Terraform\)/);
  assert.match(text, /Outputs that would change on refresh:\n {2}~ upstream_release \(update\)/);

  const markdown = renderDriftMarkdown(summary);
  assert.match(markdown, /\| update \| `aws_ecs_service\.this` \| `desired_count`, `tags\.Owner` \|/);
  // Attribute names only: a secret's old and new values must not reach a CI log or job summary.
  for (const rendered of [text, markdown]) {
    assert.ok(!rendered.includes('s3cr3t'), 'a sensitive value was rendered');
  }
});

test('npm run drift --help', async () => {
  const result = await runScript('drift', ['--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /Exit status: 0 no drift, 2 drift, 1 error/);
});
