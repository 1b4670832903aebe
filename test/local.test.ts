// `npm run local` end to end: TLS front, redirect, headers, client address, zero lost requests across two rolling restarts, Ctrl-C.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { securityHeaders } from '../lib/security-headers.ts';
import { UsageError } from '../scripts/lib/errors.ts';
import { readProductionSettings } from '../scripts/lib/rehearsal/settings.ts';
import { parseLocalArgs } from '../scripts/local.ts';
import { headerChecks } from '../scripts/lib/smoke-checks.ts';
import { extraLoopbackAddresses, httpsGet, isRunning, keepAliveLoad, LocalRun, type HttpsTarget } from './helpers/rehearsal.ts';
import { REPO_ROOT, runScript } from './helpers/scripts.ts';
import { copyTerraformTree } from './helpers/terraform.ts';

/** Short enough for a quick test, long enough that load is still arriving while a replica is deregistered. */
const DEREGISTRATION_DELAY_S = '0.5';
/** Bounds the load whatever the machine's speed; the rolls end it long before on a normal run. */
const MAX_LOAD_REQUESTS = 200_000;
/**
 * Keep-alive connections of the load, each from its own loopback address: the replicas rate-limit per client (100
 * burst), so spreading the load keeps most answers 200 rather than 429. Both count as answered.
 */
const CLIENT_ADDRESSES = 24;
/** Requests answered before the first roll and after the last one, so the load surrounds both rolls. */
const ANSWERED_AROUND_ROLLS = 50;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

function plainGet(port: number, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The replicas' JSON log lines, with the replica that wrote each. */
function replicaLogs(stdout: string): Array<{ replica: string; entry: Record<string, unknown> }> {
  const lines: Array<{ replica: string; entry: Record<string, unknown> }> = [];
  for (const match of stdout.matchAll(/^\[(replica-\d+)\] (\{.*\})$/gm)) {
    lines.push({ replica: match[1] ?? '', entry: JSON.parse(match[2] ?? '{}') as Record<string, unknown> });
  }
  return lines;
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return headers;
}

describe('npm run local', () => {
  const cache = mkdtempSync(join(tmpdir(), 'local-cache-'));
  let run: LocalRun;
  let front: HttpsTarget;
  let httpPort: number;
  let clients: string[];

  before(async () => {
    run = new LocalRun(['--http-port', '0', '--https-port', '0', '--deregistration-delay', DEREGISTRATION_DELAY_S], {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      // A fresh cache: the certificate is made on this first use, outside the repository.
      XDG_CACHE_HOME: cache,
    });
    const ready = await run.waitFor('stderr', /ready: https:\/\/localhost:(\d+)\/ \(HTTPS\) and http:\/\/localhost:(\d+)\//);
    const certFile = join(cache, 'hello-service', 'local-tls', 'cert.pem');
    front = { port: Number(ready[1]), ca: readFileSync(certFile, 'utf8') };
    httpPort = Number(ready[2]);
    clients = await extraLoopbackAddresses(Array.from({ length: CLIENT_ADDRESSES }, (_, index) => `127.0.0.${index + 2}`));
    if (clients.length === 0) clients = ['127.0.0.1'];
  });

  // Whatever happened above, no process it started outlives the suite.
  after(() => {
    run.killAll();
    rmSync(cache, { recursive: true, force: true });
  });

  test('made its certificate in the user cache on first use, not in the repository', () => {
    assert.match(run.stderr, new RegExp(`made the self-signed certificate ${join(cache, 'hello-service', 'local-tls', 'cert.pem')}`));
    assert.ok(!join(cache).startsWith(REPO_ROOT));
  });

  test('runs with the values terraform/ sets', async () => {
    const settings = await readProductionSettings(join(REPO_ROOT, 'terraform'), 'any');
    const { healthCheck } = settings;
    const line = run.stderr.split('\n').find((text) => text.includes(' from terraform/: ')) ?? '';
    for (const part of [
      `idle timeout ${settings.idleTimeoutMs / 1000} s`,
      `health check GET ${healthCheck.path} every ${healthCheck.intervalMs / 1000} s (timeout ${healthCheck.timeoutMs / 1000} s, healthy ${healthCheck.healthyThreshold}, unhealthy ${healthCheck.unhealthyThreshold}, matcher ${healthCheck.matcher})`,
      `deregistration delay ${DEREGISTRATION_DELAY_S} s (terraform: ${settings.deregistrationDelayMs / 1000} s)`,
      `stop timeout ${settings.stopTimeoutMs / 1000} s`,
    ]) {
      assert.ok(line.includes(part), `${JSON.stringify(part)} in ${JSON.stringify(line)}`);
    }
    const inService = /ready: .* in service: (.*)\n/.exec(run.stderr)?.[1] ?? '';
    assert.equal(inService.split(', ').length, settings.desiredCount, `the service's desired_count of replicas: ${inService}`);
  });

  test('HTTPS serves the service with the full security header set, HSTS included', async () => {
    const reply = await httpsGet(front, '/');
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { message: 'Hello, World' });
    const failed = headerChecks('/', toHeaders(reply.headers), true).filter((check) => !check.ok);
    assert.deepEqual(failed, []);
    const hsts = securityHeaders().find(([name]) => name === 'Strict-Transport-Security')?.[1];
    assert.equal(reply.headers['strict-transport-security'], hsts);

    const health = await httpsGet(front, '/health');
    assert.equal(health.status, 200);
    const body = JSON.parse(health.body) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.commit, 'string', 'APP_COMMIT (the image tag) is set, as the task definition sets it');
  });

  test('HTTP answers 301 to the same host, path and query over HTTPS, as the ALB listener does', async () => {
    const reply = await plainGet(httpPort, '/some/path?x=1&y=two', { host: `localhost:${httpPort}` });
    assert.equal(reply.status, 301);
    assert.equal(reply.headers.location, `https://localhost:${front.port}/some/path?x=1&y=two`);
    // The listener rule has no exceptions, /health included; health checks do not come through it.
    const health = await plainGet(httpPort, '/health', { host: `localhost:${httpPort}` });
    assert.equal(health.status, 301);
    assert.equal(health.headers.location, `https://localhost:${front.port}/health`);
  });

  test('replicas run with the production environment, and their health checks are never redirected', async () => {
    const listening = replicaLogs(run.stdout).filter((line) => line.entry.msg === 'listening');
    assert.ok(listening.length >= 2);
    for (const { replica, entry } of listening) {
      const config = entry.config as Record<string, unknown>;
      assert.equal(config.nodeEnv, 'production', replica);
      assert.equal(config.forceHttps, true, replica);
      assert.deepEqual(config.trustedProxies, ['127.0.0.1/32'], replica);
      assert.equal(config.host, '127.0.0.1', replica);
    }
    const port = Number(listening[0]?.entry.port);
    // What the target group's checker sends: plain HTTP straight to the replica, no X-Forwarded-Proto.
    const check = await plainGet(port, '/health', { host: `127.0.0.1:${port}`, 'user-agent': 'ELB-HealthChecker/2.0' });
    assert.equal(check.status, 200);
    // Even marked as plain HTTP by the trusted front, /health is answered while / is redirected.
    const marked = await plainGet(port, '/health', { host: 'localhost', 'x-forwarded-proto': 'http' });
    assert.equal(marked.status, 200);
    const root = await plainGet(port, '/', { host: 'localhost', 'x-forwarded-proto': 'http' });
    assert.equal(root.status, 301);
  });

  test('the replicas log the client address the front saw, however the client fills X-Forwarded-For', async () => {
    const client = clients[0] ?? '127.0.0.1';
    const path = `/client-check-${process.pid}`;
    const reply = await httpsGet(front, path, { localAddress: client, headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(reply.status, 404);
    const found = await run.waitFor('stdout', new RegExp(`^\\[replica-\\d+\\] (\\{.*"path":"${path}".*\\})$`, 'm'));
    const entry = JSON.parse(found[1] ?? '{}') as Record<string, unknown>;
    assert.equal(entry.client, client, 'the address the front appended, not the one the client wrote');
    assert.match(String(entry.request_id), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/, 'the front sets an ALB-format trace id');
  });

  test('keep-alive load through two rolling restarts: every request answered, none by an error', { timeout: 120_000 }, async (t) => {
    let running = true;
    const load = keepAliveLoad(front, clients, () => running, MAX_LOAD_REQUESTS);
    try {
      // The replicas' access lines for GET /: how much of the load has been answered so far.
      const answered = (): number => run.stdout.split('"path":"/",').length - 1;
      const answeredAtLeast = (count: number): true | undefined => (answered() >= count ? true : undefined);
      await run.waitUntil(() => answeredAtLeast(ANSWERED_AROUND_ROLLS), 'load answered before the rolls');
      for (const roll of [1, 2]) {
        run.child.kill('SIGHUP');
        await run.waitFor('stderr', new RegExp(`roll ${roll}: done`));
      }
      const afterRolls = answered();
      await run.waitUntil(() => answeredAtLeast(afterRolls + ANSWERED_AROUND_ROLLS), 'load answered after the rolls');
    } finally {
      running = false;
    }
    const report = await load;
    t.diagnostic(`${report.sent} requests over ${report.clients.length} keep-alive connection(s): ${JSON.stringify(Object.fromEntries(report.statuses))}`);
    assert.deepEqual(report.unanswered, [], 'requests sent and never answered');
    const statuses = [...report.statuses.keys()];
    assert.ok(statuses.every((status) => status === 200 || status === 429), `only service answers, no 5xx from the front: ${statuses.join(', ')}`);
    assert.ok(report.sent < MAX_LOAD_REQUESTS, 'the load ran until the rolls were over, not to its cap');

    // Every replica, the two first and the four the rolls started, answered some of the load.
    const served = new Set(replicaLogs(run.stdout).filter((line) => line.entry.path === '/' && report.clients.includes(String(line.entry.client))).map((line) => line.replica));
    assert.deepEqual([...served].sort(), ['replica-1', 'replica-2', 'replica-3', 'replica-4', 'replica-5', 'replica-6']);
    for (const step of ['started replica-3', 'deregistering replica-1', 'SIGTERM replica-1', 'replica-1 exited \\(exit code 0\\)', 'done']) {
      assert.match(run.stderr, new RegExp(`local: \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z roll 1: ${step}`), `a timed line for: ${step}`);
    }
  });

  test('Ctrl-C stops every process it started and exits 0', { timeout: 60_000 }, async () => {
    const pids = run.replicaPids();
    assert.ok(pids.length >= 2);
    // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
    process.kill(-(run.child.pid ?? 0), 'SIGINT');
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr.slice(-2000));
    assert.match(run.stderr, /SIGINT: stopping/);
    assert.match(run.stderr, /stopped\n$/);
    assert.deepEqual(pids.filter(isRunning), [], 'replica processes still running after the command exited');
  });
});

describe('npm run local, usage', () => {
  for (const [args, message] of [
    [['--replicas', '0'], '--replicas must be a whole number from 1 to 16; got "0"'],
    [['--https-port', '70000'], '--https-port must be a port number from 0 to 65535 (0 picks a free one); got "70000"'],
    [['--http-port', '9000', '--https-port', '9000'], '--http-port and --https-port must differ; both are 9000'],
    [['--deregistration-delay', 'soon'], '--deregistration-delay must be a positive number of seconds; got "soon"'],
    [['--roll-every=0'], '--roll-every must be a positive number of seconds; got "0"'],
    [['--canary'], "Unknown option '--canary'"],
  ] as const) {
    test(`${args.join(' ')}: a usage error naming the flag and the accepted form`, () => {
      assert.throws(
        () => parseLocalArgs([...args]),
        (error: unknown) => error instanceof UsageError && error.message.startsWith(message),
      );
    });
  }

  test('the command prints a usage error on one line with the hint, and exits 64', async () => {
    const result = await runScript('local', ['--replicas', '0']);
    assert.equal(result.code, 64);
    const [first, hint] = result.stderr.trimEnd().split('\n');
    assert.equal(first, 'local: --replicas must be a whole number from 1 to 16; got "0"', result.stderr);
    assert.equal(hint, 'Run `npm run local -- --help` for usage.');
  });

  test('--help lists every option and starts nothing', async () => {
    const result = await runScript('local', ['--help']);
    assert.equal(result.code, 0);
    for (const option of ['--https-port', '--http-port', '--replicas', '--deregistration-delay', '--roll-every', '--terraform-dir']) {
      assert.ok(result.stdout.includes(option), option);
    }
  });
});

describe('npm run local follows the Terraform root it reads', () => {
  const cache = mkdtempSync(join(tmpdir(), 'local-cache-'));
  const root = copyTerraformTree();
  let run: LocalRun | undefined;
  after(() => {
    run?.killAll();
    rmSync(cache, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  before(async () => {
    const variables = join(root, 'variables.tf');
    let text = readFileSync(variables, 'utf8');
    text = text.replace('default     = "info"', 'default     = "debug"');
    text = text.replace(/(variable "allowed_origins" \{[^}]*?default\s*=\s*)\[\]/, '$1["https://app.example.com"]');
    writeFileSync(variables, text);
    const alb = join(root, 'alb.tf');
    writeFileSync(alb, readFileSync(alb, 'utf8').replace('interval            = 15', 'interval            = 1').replace('idle_timeout               = 60', 'idle_timeout               = 70'));

    const args = ['--terraform-dir', root, '--replicas', '1', '--http-port', '0', '--https-port', '0', '--roll-every', '0.5', '--deregistration-delay', '5'];
    run = new LocalRun(args, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_CACHE_HOME: cache });
    await run.waitFor('stderr', /ready: .*in service: replica-1\n/);
  });

  test('a changed copy changes the replicas’ environment, the health checks and the idle timeout', () => {
    assert.ok(run !== undefined);
    assert.match(run.stderr, /health check GET \/health every 1 s/);
    assert.match(run.stderr, /warning: the ALB idle timeout \(70 s\) is not shorter than the service's keep-alive timeout \(65 s\)/);
    const listening = replicaLogs(run.stdout).find((line) => line.entry.msg === 'listening');
    const config = listening?.entry.config as Record<string, unknown>;
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.allowedOrigins, ['https://app.example.com']);
  });

  test('--roll-every rolls on its own; a replica that dies is deregistered; SIGTERM mid-roll stops everything', { timeout: 60_000 }, async () => {
    assert.ok(run !== undefined);
    await run.waitFor('stderr', /roll 1: deregistering replica-1/);
    const fresh = Number(/started replica-2 \(pid (\d+),/.exec(run.stderr)?.[1]);
    process.kill(fresh, 'SIGKILL');
    await run.waitFor('stderr', /replica-2 exited on its own \(signal SIGKILL\); deregistered, not replaced/);
    const port = Number(/ready: https:\/\/localhost:(\d+)\//.exec(run.stderr)?.[1]);
    const nobody = await httpsGet({ port, ca: readFileSync(join(cache, 'hello-service', 'local-tls', 'cert.pem'), 'utf8') }, '/');
    assert.equal(nobody.status, 503, 'replica-1 is draining and replica-2 is gone: nothing in service');

    // replica-1 is in its 5 s deregistration delay: the stop does not wait for it.
    const pids = run.replicaPids();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr.slice(-2000));
    assert.doesNotMatch(run.stderr, /roll 1: done/);
    assert.deepEqual(pids.filter(isRunning), []);
  });
});
