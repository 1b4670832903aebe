// `npm run drift`: exit codes from real refresh-only plans, the drift renderer on a recorded plan, the ignore_changes filter.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildDriftReport, hasDrift } from '../scripts/lib/drift-report.ts';
import { formatPath, readPlan, sameValue } from '../scripts/lib/plan-reader.ts';
import { renderDriftMarkdown, renderDriftText } from '../scripts/lib/plan-render.ts';
import { parseTraversal, readIgnoreChanges } from '../scripts/lib/terraform-config.ts';
import { copyFixture, FIXTURES, REPO_ROOT, runScript, terraformMissing } from './helpers/scripts.ts';

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
    summary.drift.map((item) => [item.action, item.address, item.changedAttributes.map(formatPath)]),
    [
      ['update', 'aws_ecs_service.this', ['desired_count', 'tags.Owner']],
      ['update', 'aws_ssm_parameter.api_key', ['value', 'version']],
      ['delete', 'aws_vpc_security_group_ingress_rule.alb_https', ['(whole object)']],
    ],
  );

  const report = buildDriftReport(summary, new Map());
  const text = renderDriftText(report);
  assert.match(text, /^Drift: 3 resource\(s\) changed outside Terraform:\n {2}~ aws_ecs_service\.this \(update\)\n {6}desired_count\n {6}tags\.Owner\n/);
  assert.match(text, /- aws_vpc_security_group_ingress_rule\.alb_https \(deleted outside Terraform\)/);
  assert.match(text, /Outputs that would change on refresh:\n {2}~ upstream_release \(update\)/);

  const markdown = renderDriftMarkdown(report);
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

test('ignore_changes entries read as attribute paths', () => {
  assert.deepEqual(parseTraversal('${desired_count}'), ['desired_count']);
  assert.deepEqual(parseTraversal('${tags["Owner"]}'), ['tags', 'Owner']);
  assert.deepEqual(parseTraversal('${tags.Owner}'), ['tags', 'Owner']);
  assert.deepEqual(parseTraversal('${load_balancer[0].container_port}'), ['load_balancer', 0, 'container_port']);
  assert.deepEqual(parseTraversal('desired_count'), ['desired_count']);
  // Anything else is not understood, so nothing is ignored because of it.
  assert.equal(parseTraversal('${[0]}'), undefined);
  assert.equal(parseTraversal('${lower(name)}'), undefined);
});

test("the root's ignore_changes lists, read from terraform/ with hcl2json", async () => {
  const rules = await readIgnoreChanges(join(REPO_ROOT, 'terraform'));
  assert.deepEqual(rules.get('aws_ecs_service.this'), { resource: 'aws_ecs_service.this', file: 'ecs.tf', ignored: [['desired_count']] });
});

test("the drift report drops what the root's ignore_changes names, keeps the rest, and says why", async () => {
  const summary = readPlan(JSON.parse(readFileSync(RECORDED, 'utf8')));
  const report = buildDriftReport(summary, await readIgnoreChanges(join(REPO_ROOT, 'terraform')));
  assert.deepEqual(
    report.drift.map((item) => [item.address, item.changedAttributes.map(formatPath)]),
    [
      ['aws_ecs_service.this', ['tags.Owner']],
      ['aws_ssm_parameter.api_key', ['value', 'version']],
      ['aws_vpc_security_group_ingress_rule.alb_https', ['(whole object)']],
    ],
  );
  assert.deepEqual(report.notDrift, [{ address: 'aws_ecs_service.this', attribute: 'desired_count', reason: 'lifecycle ignore_changes of aws_ecs_service.this (ecs.tf)' }]);
  assert.equal(hasDrift(report), true);
  assert.match(renderDriftText(report), /\nNot drift \(1 changed attribute\(s\) that do not count\):\n {2}aws_ecs_service\.this desired_count: lifecycle ignore_changes of aws_ecs_service\.this \(ecs\.tf\)\n$/);

  // ignore_changes = all covers every attribute, but never a resource deleted outside Terraform.
  const all = new Map([
    ['aws_ecs_service.this', { resource: 'aws_ecs_service.this', file: 'x.tf', ignored: 'all' as const }],
    ['aws_vpc_security_group_ingress_rule.alb_https', { resource: 'aws_vpc_security_group_ingress_rule.alb_https', file: 'x.tf', ignored: 'all' as const }],
  ]);
  const ignoringAll = buildDriftReport(summary, all);
  assert.deepEqual(ignoringAll.drift.map((item) => item.address), ['aws_ssm_parameter.api_key', 'aws_vpc_security_group_ingress_rule.alb_https']);
  assert.deepEqual(ignoringAll.notDrift.map((item) => item.attribute), ['desired_count', 'tags.Owner']);
});

test('a refresh that only rewrote unset or reformatted values is no drift', () => {
  const plan = {
    format_version: '1.2',
    resource_drift: [
      {
        address: 'aws_ecr_repository.this',
        type: 'aws_ecr_repository',
        name: 'this',
        change: { actions: ['update'], before: { name: 'x', tags: null, policy: '{"a":1,"b":[1,2]}' }, after: { name: 'x', tags: {}, policy: '{ "b": [1, 2], "a": 1 }' } },
      },
    ],
  };
  const summary = readPlan(plan);
  assert.deepEqual(summary.drift, []);
  assert.deepEqual(summary.normalised, [{ address: 'aws_ecr_repository.this', attributes: [['policy'], ['tags']] }]);
  const report = buildDriftReport(summary, new Map());
  assert.equal(hasDrift(report), false);
  assert.match(renderDriftMarkdown(report), /\*\*No drift:\*\*[\s\S]*#### Not drift \(2\)[\s\S]*\| `aws_ecr_repository\.this` \| `policy` \| same value written differently by the refresh/);
});

test('sameValue: empty forms and JSON documents compare by meaning, everything else exactly', () => {
  assert.equal(sameValue(null, {}), true);
  assert.equal(sameValue('', null), true);
  assert.equal(sameValue([], null), true);
  assert.equal(sameValue('{"a":1,"b":2}', '{"b":2,"a":1}'), true);
  assert.equal(sameValue({ a: null }, {}), true);
  assert.equal(sameValue('{"a":1}', '{"a":2}'), false);
  assert.equal(sameValue(0, null), false);
  assert.equal(sameValue(false, null), false);
  assert.equal(sameValue('x', 'y'), false);
  assert.equal(sameValue([1, 2], [2, 1]), false);
});
