// The ALB stand-in piece by piece: header rewriting, health checks, target states, and the front over real sockets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { securityHeaders } from '../lib/security-headers.ts';
import { localCertificate, type Certificate } from '../scripts/lib/rehearsal/certificate.ts';
import { forwardedRequestHeaders, traceHeader, withoutHopByHop } from '../scripts/lib/rehearsal/forwarded-headers.ts';
import { startFront, type Front } from '../scripts/lib/rehearsal/front.ts';
import { checkHealth, matchesStatus, type CheckResult } from '../scripts/lib/rehearsal/health-check.ts';
import type { HealthCheckSettings } from '../scripts/lib/rehearsal/settings.ts';
import { TargetGroup, type Target } from '../scripts/lib/rehearsal/target-group.ts';
import { freePort } from './helpers/http.ts';
import { httpsGet } from './helpers/rehearsal.ts';

const TRACE = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const CHECK: HealthCheckSettings = { path: '/health', matcher: '200', intervalMs: 60_000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 2 };
/** Upper bound on waiting for something that should happen at once (fails the test; not a measurement). */
const PATIENCE_MS = 5000;

/** `promise`, or a failure naming `what` once PATIENCE_MS have passed. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), PATIENCE_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

describe('header rewriting', () => {
  const facts = { clientAddress: '192.0.2.10', proto: 'https', port: 8443, now: Date.UTC(2026, 0, 1) } as const;

  test('X-Forwarded-For gets the client appended; -Proto, -Port and the trace id are the load balancer’s own', () => {
    const headers = forwardedRequestHeaders(
      ['Host', 'localhost:8443', 'X-Forwarded-For', '203.0.113.7', 'x-forwarded-for', '198.51.100.1', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Port', '1', 'Accept', '*/*'],
      facts,
    );
    const pairs: string[][] = [];
    for (let index = 0; index < headers.length; index += 2) pairs.push([headers[index] ?? '', headers[index + 1] ?? '']);
    assert.deepEqual(pairs.slice(0, 5), [
      ['Host', 'localhost:8443'],
      ['Accept', '*/*'],
      ['X-Forwarded-For', '203.0.113.7, 198.51.100.1, 192.0.2.10'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Port', '8443'],
    ]);
    const [name, trace] = pairs[5] ?? [];
    assert.equal(name, 'X-Amzn-Trace-Id');
    assert.match(trace ?? '', /^Root=1-6955b900-[0-9a-f]{24}$/, 'the time field is the epoch seconds in hex');
  });

  test('hop-by-hop fields, and those Connection names, are not forwarded', () => {
    assert.deepEqual(
      withoutHopByHop(['Connection', 'keep-alive, X-Secret', 'Keep-Alive', 'timeout=5', 'X-Secret', 'a', 'Transfer-Encoding', 'chunked', 'TE', 'trailers', 'Upgrade', 'h2c', 'Content-Type', 'text/plain']),
      ['Content-Type', 'text/plain'],
    );
  });

  test('a client trace id with a valid Root gets a Self field first; a missing or malformed one is replaced', () => {
    const root = 'Root=1-67891233-abcdef012345678912345678';
    const kept = traceHeader(`${root};CalledFrom=app`, 0).split(';');
    assert.match(kept[0] ?? '', /^Self=1-00000000-[0-9a-f]{24}$/);
    assert.deepEqual(kept.slice(1), [root, 'CalledFrom=app']);
    const replacedSelf = traceHeader(`Self=1-00000001-000000000000000000000000;${root}`, 0).split(';');
    assert.equal(replacedSelf.length, 2);
    assert.notEqual(replacedSelf[0], 'Self=1-00000001-000000000000000000000000');
    for (const invalid of [undefined, '', 'Root=nope', 'garbage', 'Root=1-67891233-abcdef012345678912345678;;x']) {
      assert.match(traceHeader(invalid, 0), /^Root=1-00000000-[0-9a-f]{24}$/, String(invalid));
    }
  });
});

describe('health checks', () => {
  test('a matcher is a code, a list or a range', () => {
    assert.equal(matchesStatus('200', 200), true);
    assert.equal(matchesStatus('200', 204), false);
    assert.equal(matchesStatus('200,202', 202), true);
    assert.equal(matchesStatus('200-299', 204), true);
    assert.equal(matchesStatus('200-299', 301), false);
  });

  test('GET the path on a fresh connection: pass on a matching status, fail with the reason otherwise', async (t) => {
    let status = 200;
    let hang = false;
    const seen: Array<{ url: string | undefined; agent: string | undefined; connection: string | undefined }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url, agent: req.headers['user-agent'], connection: req.headers.connection });
      if (hang) return;
      res.writeHead(status).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    assert.deepEqual(await checkHealth('127.0.0.1', port, '/health', '200', 2000), { passed: true });
    assert.deepEqual(seen[0], { url: '/health', agent: 'ELB-HealthChecker/2.0', connection: 'close' });
    status = 503;
    assert.deepEqual(await checkHealth('127.0.0.1', port, '/health', '200', 2000), { passed: false, reason: 'answered 503, expected 200' });
    hang = true;
    assert.deepEqual(await checkHealth('127.0.0.1', port, '/health', '200', 100), { passed: false, reason: 'no answer within 0.1 s' });
    assert.deepEqual(await checkHealth('127.0.0.1', await freePort(), '/health', '200', 2000), { passed: false, reason: 'ECONNREFUSED' });
  });
});

/** A target group whose checks answer from a script: each target's next results, in order (then the last one again). */
function scriptedGroup(t: TestContext, script: Map<string, boolean[]>, settings: Partial<HealthCheckSettings> = {}): { group: TargetGroup; notes: string[] } {
  const notes: string[] = [];
  const check = (target: Target): Promise<CheckResult> => {
    const results = script.get(target.name) ?? [];
    const passed = results.length > 1 ? (results.shift() ?? false) : (results[0] ?? false);
    return Promise.resolve(passed ? { passed: true } : { passed: false, reason: 'scripted failure' });
  };
  const group = new TargetGroup({ healthCheck: { ...CHECK, intervalMs: 5, ...settings }, idleTimeoutMs: 60_000, note: (line) => notes.push(line), check });
  t.after(() => group.close());
  return { group, notes };
}

describe('target group', () => {
  test('a new target is healthy after one passing check; the thresholds move it out of and back into service', async (t) => {
    const script = new Map([['a', [true, true, false, false, false, true, true, true]]]);
    const { group, notes } = scriptedGroup(t, script, { healthyThreshold: 3, unhealthyThreshold: 3 });
    const target = group.register({ name: 'a', host: '127.0.0.1', port: 1 });
    assert.equal(await group.whenSettled(target), 'healthy');
    await eventually(() => notes.length === 3, 'healthy → unhealthy → healthy');
    assert.deepEqual(notes, [
      'a (127.0.0.1:1): healthy',
      'a (127.0.0.1:1): unhealthy (3 failed checks in a row, last: scripted failure)',
      'a (127.0.0.1:1): healthy',
    ]);
  });

  test('a target that fails its first checks settles as unhealthy', async (t) => {
    const { group } = scriptedGroup(t, new Map([['a', [false]]]));
    assert.equal(await group.whenSettled(group.register({ name: 'a', host: '127.0.0.1', port: 1 })), 'unhealthy');
  });

  test('round robin over the healthy targets only; failing open over unhealthy ones when none is healthy', async (t) => {
    const { group, notes } = scriptedGroup(t, new Map([['a', [true]], ['b', [true]], ['c', [false]]]));
    const [a, b, c] = ['a', 'b', 'c'].map((name) => group.register({ name, host: '127.0.0.1', port: 1 }));
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    await Promise.all([a, b, c].map((target) => group.whenSettled(target)));
    const picks = Array.from({ length: 6 }, () => group.pick()?.name);
    assert.deepEqual(picks.sort(), ['a', 'a', 'a', 'b', 'b', 'b']);
    group.deregister(a);
    group.deregister(b);
    assert.equal(group.pick()?.name, 'c', 'the ALB fails open when no target is healthy');
    assert.ok(notes.some((line) => line.startsWith('no healthy target: failing open over 1 unhealthy one(s)')));
    group.deregister(c);
    assert.equal(group.pick(), undefined, 'nothing registered in service: nowhere to send a request');
  });

  test('a target deregistered before its first check settles as draining and is never picked', async (t) => {
    const { group } = scriptedGroup(t, new Map([['a', [true]]]), { intervalMs: 60_000 });
    const target = group.register({ name: 'a', host: '127.0.0.1', port: 1 });
    group.deregister(target);
    assert.equal(await group.whenSettled(target), 'draining');
    assert.equal(group.pick(), undefined);
  });
});

/** A plain HTTP target that records each request and answers with what it received, unless told to hold it. */
class FakeTarget {
  readonly server: Server;
  readonly received: IncomingMessage[] = [];
  readonly sockets: Socket[] = [];
  /** Sockets the front closed from its side (the target saw their end). */
  readonly endedByFront = new Set<Socket>();
  readonly name: string;
  held: ServerResponse[] = [];
  hold = false;
  port = 0;

  constructor(name: string) {
    this.name = name;
    this.server = createServer((req, res) => {
      this.received.push(req);
      if (this.hold) {
        this.held.push(res);
        return;
      }
      this.#answer(req, res);
    });
    // Longer than any front idle timeout used here: only the front closes idle connections.
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.push(socket);
      socket.on('end', () => this.endedByFront.add(socket));
    });
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    const body = JSON.stringify({ target: this.name, url: req.url, rawHeaders: req.rawHeaders });
    res.writeHead(200, ['Content-Type', 'application/json', 'Connection', 'keep-alive, X-Internal', 'X-Internal', 'secret', 'X-Served-By', this.name]);
    res.end(body);
  }

  release(): void {
    for (const res of this.held) this.#answer(res.req, res);
    this.held = [];
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

describe('the front over real sockets', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'front-tls-'));
  let certificate: Certificate;
  const started: Array<() => Promise<void> | void> = [];

  before(async () => {
    certificate = await localCertificate(cacheDir);
  });
  after(async () => {
    for (const stop of started.reverse()) await stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  /** A front with its own target group (health checks always pass unless a script says otherwise). */
  async function frontWith(idleTimeoutMs = 60_000, checks: (target: Target) => boolean = () => true): Promise<{ front: Front; group: TargetGroup; notes: string[] }> {
    const notes: string[] = [];
    const group = new TargetGroup({
      healthCheck: { ...CHECK, intervalMs: 60_000 },
      idleTimeoutMs,
      note: (line) => notes.push(line),
      check: (target) => Promise.resolve(checks(target) ? { passed: true } : { passed: false, reason: 'scripted' }),
    });
    const front = await startFront({ httpPort: 0, httpsPort: 0, certificate, idleTimeoutMs, redirectStatus: 301, targets: group, errorHeaders: securityHeaders() });
    started.push(async () => {
      group.close();
      await front.close(true);
    });
    return { front, group, notes };
  }

  async function fakeTarget(name: string): Promise<FakeTarget> {
    const target = await new FakeTarget(name).start();
    started.push(() => target.stop());
    return target;
  }

  const https = (front: Front): { port: number; ca: string } => ({ port: front.httpsPort, ca: certificate.cert });

  test('nothing registered: 503 problem+json with the service’s security headers', async () => {
    const { front } = await frontWith();
    const reply = await httpsGet(https(front), '/');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal((JSON.parse(reply.body) as { status: number }).status, 503);
    for (const [name, value] of securityHeaders()) assert.equal(reply.headers[name.toLowerCase()], value, name);
  });

  test('forwards with the ALB’s headers, and answers with the target’s minus hop-by-hop fields', async () => {
    const { front, group } = await frontWith();
    const target = await fakeTarget('one');
    await group.whenSettled(group.register({ name: 'one', host: '127.0.0.1', port: target.port }));
    const reply = await httpsGet(https(front), '/path?q=1', { headers: { 'x-forwarded-for': '203.0.113.7', connection: 'keep-alive, x-drop-me', 'x-drop-me': '1' } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-served-by'], 'one');
    assert.equal(reply.headers['x-internal'], undefined, 'a field the target’s Connection names stays between them');
    const seen = JSON.parse(reply.body) as { url: string; rawHeaders: string[] };
    assert.equal(seen.url, '/path?q=1');
    const headers = new Map<string, string>();
    for (let index = 0; index < seen.rawHeaders.length; index += 2) headers.set((seen.rawHeaders[index] ?? '').toLowerCase(), seen.rawHeaders[index + 1] ?? '');
    assert.equal(headers.get('host'), `localhost:${front.httpsPort}`);
    assert.equal(headers.get('x-forwarded-for'), '203.0.113.7, 127.0.0.1');
    assert.equal(headers.get('x-forwarded-proto'), 'https');
    assert.equal(headers.get('x-forwarded-port'), String(front.httpsPort));
    assert.match(headers.get('x-amzn-trace-id') ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.equal(headers.has('x-drop-me'), false);
    assert.equal(TRACE.test((headers.get('x-amzn-trace-id') ?? '').slice('Root='.length)), true);
  });

  test('round robin over the healthy targets, none to one whose checks have not passed', async () => {
    const { front, group } = await frontWith(60_000, (target) => target.name !== 'sick');
    const targets = await Promise.all(['left', 'right', 'sick'].map((name) => fakeTarget(name)));
    const registered = targets.map((target) => group.register({ name: target.name, host: '127.0.0.1', port: target.port }));
    await Promise.all(registered.slice(0, 2).map((target) => group.whenSettled(target)));
    const servedBy: string[] = [];
    for (let index = 0; index < 6; index++) servedBy.push(String((await httpsGet(https(front), '/')).headers['x-served-by']));
    assert.deepEqual([...servedBy].sort(), ['left', 'left', 'left', 'right', 'right', 'right']);
    assert.notEqual(servedBy[0], servedBy[1]);
  });

  test('502 when the target refuses the connection, 504 when it stays silent past the idle timeout', async () => {
    const { front, group } = await frontWith(300);
    group.register({ name: 'gone', host: '127.0.0.1', port: await freePort() });
    await eventually(() => group.pick() !== undefined, 'the target in service');
    const refused = await httpsGet(https(front), '/');
    assert.equal(refused.status, 502);
    assert.match((JSON.parse(refused.body) as { detail: string }).detail, /gone refused or closed the connection/);

    const { front: slowFront, group: slowGroup } = await frontWith(300);
    const silent = await fakeTarget('silent');
    silent.hold = true;
    await slowGroup.whenSettled(slowGroup.register({ name: 'silent', host: '127.0.0.1', port: silent.port }));
    const timedOut = await httpsGet(https(slowFront), '/');
    assert.equal(timedOut.status, 504);
    assert.match((JSON.parse(timedOut.body) as { detail: string }).detail, /did not answer within the idle timeout \(0\.3 s\)/);
  });

  test('a deregistered target gets no new request; its connections close when its last request ends', async () => {
    const { front, group, notes } = await frontWith();
    const old = await fakeTarget('old');
    const fresh = await fakeTarget('fresh');
    const oldTarget = group.register({ name: 'old', host: '127.0.0.1', port: old.port });
    await group.whenSettled(oldTarget);
    old.hold = true;
    const inFlight = httpsGet(https(front), '/slow');
    await eventually(() => old.received.length === 1, 'the request at the old target');
    await group.whenSettled(group.register({ name: 'fresh', host: '127.0.0.1', port: fresh.port }));
    group.deregister(oldTarget);
    for (let index = 0; index < 4; index++) assert.equal((await httpsGet(https(front), '/')).headers['x-served-by'], 'fresh');
    assert.equal(old.received.length, 1, 'no new request for a draining target');
    assert.equal(old.endedByFront.size, 0, 'its connection stays while a request is in flight');
    old.release();
    assert.equal((await inFlight).status, 200, 'the request in flight finishes');
    await eventually(() => old.sockets.every((socket) => old.endedByFront.has(socket)), 'the front closing its connections to the old target');
    assert.ok(notes.includes('old: last request in flight done; its connections are closed'));
  });

  test('the idle timeout closes idle connections on both sides: to the targets and to the client', async () => {
    const { front, group } = await frontWith(200);
    const target = await fakeTarget('t');
    await group.whenSettled(group.register({ name: 't', host: '127.0.0.1', port: target.port }));
    const client = tlsConnect({ host: '127.0.0.1', port: front.httpsPort, ca: certificate.cert, servername: 'localhost' });
    await once(client, 'secureConnect');
    let answer = '';
    client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const clientClosed = once(client, 'close');
    client.write(`GET / HTTP/1.1\r\nHost: localhost:${front.httpsPort}\r\n\r\n`);
    await within(clientClosed, 'the front closing the idle client connection');
    assert.match(answer, /^HTTP\/1\.1 200 /, 'answered, then closed by the front once idle');
    await eventually(() => target.sockets.length === 1 && target.endedByFront.has(target.sockets[0] as Socket), 'the front closing its idle target connection');
  });

  test('HTTP redirects every path with its query to HTTPS on the listener’s port, as the ALB’s redirect action does', async () => {
    const { front } = await frontWith();
    const get = (path: string, host: string | undefined, method = 'GET'): Promise<{ status: number; location: string | undefined; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: front.httpPort, path, method, agent: false, setHost: false, headers: host === undefined ? {} : { host } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
        });
        req.on('error', reject);
        req.end();
      });
    assert.deepEqual(await get('/a/b?x=1&y=%20', `localhost:${front.httpPort}`), { status: 301, location: `https://localhost:${front.httpsPort}/a/b?x=1&y=%20`, body: '' });
    assert.equal((await get('/health', 'localhost')).location, `https://localhost:${front.httpsPort}/health`);
    assert.equal((await get('/', `[::1]:${front.httpPort}`)).location, `https://[::1]:${front.httpsPort}/`);
    assert.equal((await get('/', 'localhost', 'HEAD')).status, 301);
    const bad = await get('/', 'evil.example.com/path');
    assert.equal(bad.status, 400);
    assert.match((JSON.parse(bad.body) as { detail: string }).detail, /Host header is missing or is not a valid host/);
  });
});
