// The rehearsal's production settings come from terraform/: read from the real root, and followed when a copy changes.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { HEALTH_PATH } from '../lib/service-state.ts';
import { readProductionSettings } from '../scripts/lib/rehearsal/settings.ts';
import { copyTerraformTree, TERRAFORM_DIR } from './helpers/terraform.ts';

/** A private copy of terraform/, removed after the test. */
function copy(t: TestContext): string {
  const dir = copyTerraformTree();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Replaces exactly one occurrence of `from` in `file` (so a test never edits something it did not mean to). */
function edit(dir: string, file: string, from: string, to: string): void {
  const full = path.join(dir, file);
  const text = readFileSync(full, 'utf8');
  assert.equal(text.split(from).length, 2, `${file} must contain ${JSON.stringify(from)} exactly once`);
  writeFileSync(full, text.replace(from, to));
}

/** A number assigned to `name` in `file`, read with a plain pattern: a second reading that shares no code with the rehearsal's. */
function literal(file: string, name: string): string {
  const match = new RegExp(`^\\s*"?${name}"?\\s*[=:]\\s*"?([^"\\s]+)"?\\s*$`, 'm').exec(readFileSync(path.join(TERRAFORM_DIR, file), 'utf8'));
  assert.ok(match?.[1] !== undefined, `${file} sets ${name}`);
  return match[1];
}

describe('production settings read from terraform/', () => {
  test('are the values the files set', async () => {
    const settings = await readProductionSettings(TERRAFORM_DIR, 'abc123');
    assert.equal(settings.idleTimeoutMs, Number(literal('alb.tf', 'idle_timeout')) * 1000);
    assert.equal(settings.deregistrationDelayMs, Number(literal('alb.tf', 'deregistration_delay')) * 1000);
    assert.deepEqual(settings.healthCheck, {
      path: literal('alb.tf', 'path'),
      matcher: literal('alb.tf', 'matcher'),
      intervalMs: Number(literal('alb.tf', 'interval')) * 1000,
      timeoutMs: Number(literal('alb.tf', 'timeout')) * 1000,
      healthyThreshold: Number(literal('alb.tf', 'healthy_threshold')),
      unhealthyThreshold: Number(literal('alb.tf', 'unhealthy_threshold')),
    });
    // The ALB checks the path the service answers (and the container health check asks for): one fact, two files.
    assert.equal(settings.healthCheck.path, HEALTH_PATH, 'terraform/alb.tf health_check path is lib/service-state.ts HEALTH_PATH');
    assert.equal(settings.redirectStatus, Number(literal('alb.tf', 'status_code').replace('HTTP_', '')));
    assert.equal(settings.desiredCount, Number(literal('ecs.tf', 'desired_count')));
    assert.equal(settings.stopTimeoutMs, Number(literal('ecs.tf', 'stopTimeout')) * 1000);
  });

  test('give the container the task definition environment, with HTTPS on and the image tag as APP_COMMIT', async () => {
    const settings = await readProductionSettings(TERRAFORM_DIR, 'abc123');
    assert.equal(settings.environment.NODE_ENV, 'production');
    assert.equal(settings.environment.APP_COMMIT, 'abc123');
    assert.equal(settings.environment.FORCE_HTTPS, 'true', 'the rehearsal has a certificate, so the root turns HTTPS on');
    assert.equal(settings.environment.LOG_LEVEL, 'info');
    assert.deepEqual(Object.keys(settings.unknownEnvironment), ['TRUSTED_PROXIES']);
    assert.match(settings.unknownEnvironment.TRUSTED_PROXIES ?? '', /data\.aws_vpc\.this\.cidr_block/);
    assert.deepEqual(settings.secretNames, []);
  });

  test('follow a copy of terraform/ whose values changed', async (t) => {
    const dir = copy(t);
    const edits: Array<[file: string, from: string, to: string]> = [
      ['alb.tf', 'idle_timeout               = 60', 'idle_timeout               = 45'],
      ['alb.tf', 'deregistration_delay = 30', 'deregistration_delay = 12'],
      ['alb.tf', 'path                = "/health"', 'path                = "/healthz"'],
      ['alb.tf', 'matcher             = "200"', 'matcher             = "200-299"'],
      ['alb.tf', 'interval            = 15', 'interval            = 7'],
      ['alb.tf', 'timeout             = 5', 'timeout             = 4'],
      ['alb.tf', 'healthy_threshold   = 2', 'healthy_threshold   = 5'],
      ['alb.tf', 'unhealthy_threshold = 3', 'unhealthy_threshold = 4'],
      ['alb.tf', 'status_code = "HTTP_301"', 'status_code = "HTTP_302"'],
      ['ecs.tf', 'desired_count = 2', 'desired_count = 3'],
      ['ecs.tf', 'stopTimeout = 30', 'stopTimeout = 20'],
      ['ecs.tf', 'NODE_ENV        = "production"', 'NODE_ENV        = "production"\n      EXTRA_SETTING   = "on"'],
      ['variables.tf', 'default     = "info"', 'default     = "debug"'],
    ];
    for (const [file, from, to] of edits) edit(dir, file, from, to);

    const settings = await readProductionSettings(dir, 'abc123');
    assert.equal(settings.idleTimeoutMs, 45_000);
    assert.equal(settings.deregistrationDelayMs, 12_000);
    assert.deepEqual(settings.healthCheck, { path: '/healthz', matcher: '200-299', intervalMs: 7000, timeoutMs: 4000, healthyThreshold: 5, unhealthyThreshold: 4 });
    assert.equal(settings.redirectStatus, 302);
    assert.equal(settings.desiredCount, 3);
    assert.equal(settings.stopTimeoutMs, 20_000);
    assert.equal(settings.environment.EXTRA_SETTING, 'on');
    assert.equal(settings.environment.LOG_LEVEL, 'debug');
  });

  test('say what is missing or beyond the rehearsal, naming the file and the argument', async (t) => {
    const noIdle = copy(t);
    edit(noIdle, 'alb.tf', '  idle_timeout               = 60\n', '');
    await assert.rejects(readProductionSettings(noIdle, 'abc'), /alb\.tf: aws_lb\.this sets no idle_timeout; the local rehearsal reads it from there/);

    const https = copy(t);
    edit(https, 'alb.tf', 'protocol            = "HTTP"', 'protocol            = "HTTPS"');
    await assert.rejects(readProductionSettings(https, 'abc'), /health checks use HTTPS on traffic-port; the local rehearsal checks only HTTP/);

    const twoGroups = copy(t);
    writeFileSync(path.join(twoGroups, 'extra.tf'), 'resource "aws_lb_target_group" "other" {\n  name = "x"\n}\n');
    await assert.rejects(readProductionSettings(twoGroups, 'abc'), /has 2 aws_lb_target_group resources; the local rehearsal follows exactly one/);

    const noRedirect = copy(t);
    edit(noRedirect, 'alb.tf', 'type = "redirect"', 'type = "fixed-response"');
    await assert.rejects(readProductionSettings(noRedirect, 'abc'), /no aws_lb_listener that redirects to HTTPS/);
  });
});
