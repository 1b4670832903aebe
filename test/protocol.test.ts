// Every answer is the service's: protocol edges Node would answer (or drop) on its own, over raw sockets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAbsoluteTarget } from '../lib/protocol.ts';
import { rawExchange, request, startService, type TestService } from './helpers/http.ts';

/** Status, the security header every answer carries, problem+json when there is a body, and Connection: close. */
function assertServiceAnswer(response: string, status: number, label: string): void {
  assert.match(response, new RegExp(`^HTTP/1\\.1 ${status} `), `${label}: status`);
  assert.match(response, /\r\nContent-Security-Policy: default-src 'none'/, `${label}: security headers`);
  assert.match(response, /\r\nX-Frame-Options: DENY\r\n/, `${label}: security headers`);
  assert.match(response, /\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/, `${label}: problem+json`);
  assert.match(response, new RegExp(`"status":${status}`), `${label}: problem body`);
  assert.match(response, /\r\nConnection: close\r\n/i, `${label}: connection closed`);
}

function accessLines(service: TestService): Record<string, unknown>[] {
  service.log.flush();
  return service.stdout.lines().filter((line) => line.msg === 'request');
}

function headerLines(count: number): string {
  let lines = '';
  for (let index = 0; index < count; index++) lines += `X-Filler-${index}: ${index}\r\n`;
  return lines;
}

describe('answers Node would give (or withhold) on its own', () => {
  let service: TestService;
  before(async () => {
    service = await startService({ TRUSTED_PROXIES: '127.0.0.1', FORCE_HTTPS: 'true' });
  });
  after(() => service.close());

  const cases: ReadonlyArray<readonly [string, string, number]> = [
    ['Expect other than 100-continue', 'POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 0\r\n\r\n', 417],
    ['an HTTP/0.9 request line', 'GET /health\r\n\r\n', 505],
    ['HTTP/2.0 in an HTTP/1 request line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ['two Host lines', 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n', 400],
    ['more than 100 header lines', `GET / HTTP/1.1\r\nHost: x\r\n${headerLines(100)}\r\n`, 431],
    ['an absolute-form target with another scheme', 'GET ftp://a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n', 400],
    ['an absolute-form target with userinfo', 'GET http://user@a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n', 400],
    ['an invalid request line', 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n', 400],
  ];
  for (const [label, payload, status] of cases) {
    test(`${label}: ${status} with the security headers, problem+json and an access line`, async () => {
      const before = accessLines(service).length;
      assertServiceAnswer(await rawExchange(service.port, payload), status, label);
      const logged = accessLines(service).slice(before);
      assert.deepEqual(logged.map((line) => line.status), [status], `${label}: one access line`);
    });
  }

  test('GET * is a 400; OPTIONS * is a 204 with the methods the server supports', async () => {
    const star = await rawExchange(service.port, 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(star, /^HTTP\/1\.1 400 /);
    assert.match(star, /\r\nX-Frame-Options: DENY\r\n/);
    const options = await rawExchange(service.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(options, /^HTTP\/1\.1 204 /);
    assert.match(options, /\r\nAllow: GET, HEAD, OPTIONS\r\n/);
  });

  test('CONNECT: 405 with Allow and the security headers, then the connection is closed', async () => {
    const before = accessLines(service).length;
    const response = await rawExchange(service.port, 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n');
    assertServiceAnswer(response, 405, 'CONNECT');
    assert.match(response, /\r\nAllow: GET, HEAD, OPTIONS\r\n/);
    const logged = accessLines(service).slice(before);
    assert.deepEqual(logged.map((line) => [line.method, line.path, line.status, line.reason]), [['CONNECT', 'a.example:443', 405, 'connect']]);
  });

  test('a parser error gets an access line naming the parser’s code', async () => {
    const before = accessLines(service).length;
    assert.match(await rawExchange(service.port, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400 /);
    const logged = accessLines(service).slice(before);
    assert.equal(logged.length, 1);
    assert.deepEqual([logged[0]?.status, logged[0]?.method, logged[0]?.path, logged[0]?.client], [400, null, null, '127.0.0.1']);
    assert.match(String(logged[0]?.reason), /^HPE_/);
  });

  test('a proxy’s X-Forwarded-For after 99 filler headers is not dropped: the request is refused instead', async () => {
    // With node:http's own limit on Node 20, lines past the 100th were dropped: the client became the proxy, and
    // the HTTPS redirect was skipped.
    const payload = `GET / HTTP/1.1\r\nHost: x\r\n${headerLines(99)}X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: http\r\n\r\n`;
    assertServiceAnswer(await rawExchange(service.port, payload), 431, 'filler headers');
    const atLimit = `GET / HTTP/1.1\r\nHost: api.example.com\r\n${headerLines(96)}X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: http\r\nConnection: close\r\n\r\n`;
    assert.match(await rawExchange(service.port, atLimit), /^HTTP\/1\.1 301 /, '100 lines are still served');
  });

  test('an absolute-form target is routed by its path, and its authority replaces Host', async () => {
    const health = await rawExchange(service.port, 'GET http://a.example/health HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n');
    assert.match(health, /^HTTP\/1\.1 200 /);
    assert.match(health, /"status":"ok"/);
    const root = await rawExchange(service.port, 'GET HTTP://A.example:8080 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n');
    assert.match(root, /"message":"Hello, World"/, 'an empty path is /');
    const redirect = await rawExchange(
      service.port,
      'GET http://a.example/x?q=1 HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Proto: http\r\nConnection: close\r\n\r\n',
    );
    assert.match(redirect, /^HTTP\/1\.1 301 /);
    assert.match(redirect, /\r\nLocation: https:\/\/a\.example\/x\?q=1\r\n/);
    const logged = accessLines(service).at(-1);
    assert.equal(logged?.path, '/x');
  });
});

describe('parseAbsoluteTarget', () => {
  test('splits http(s) targets and refuses everything else', () => {
    assert.deepEqual(parseAbsoluteTarget('http://a.example/p/../q?x=1'), { authority: 'a.example', path: '/p/../q', query: '?x=1' });
    assert.deepEqual(parseAbsoluteTarget('https://[::1]:8443?x'), { authority: '[::1]:8443', path: '/', query: '?x' });
    for (const target of ['ftp://a.example/', 'http://user:pw@a.example/', 'http:///x', 'http://a b/', 'a.example:443', '//a.example/']) {
      assert.equal(parseAbsoluteTarget(target), undefined, target);
    }
  });
});

describe('timeouts', () => {
  test('the headers timeout fires within about a second of its value, with the service’s 408', async () => {
    const service = await startService();
    try {
      // The check interval is what made 66 s become up to 96 s; a short value shows it without waiting a minute.
      service.server.headersTimeout = 300;
      service.server.requestTimeout = 600;
      const response = await rawExchange(service.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000);
      assertServiceAnswer(response, 408, 'headers timeout');
      const logged = accessLines(service);
      assert.deepEqual(logged.map((line) => [line.status, line.reason]), [[408, 'ERR_HTTP_REQUEST_TIMEOUT']]);
    } finally {
      await service.close();
    }
  });

  test('the request timeout fires for a body that stops arriving', async () => {
    const service = await startService();
    try {
      service.server.headersTimeout = 300;
      service.server.requestTimeout = 600;
      const payload = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n';
      assertServiceAnswer(await rawExchange(service.port, payload, 5000), 408, 'request timeout');
    } finally {
      await service.close();
    }
  });
});

describe('greedy clients', () => {
  test('MAX_CONNECTIONS: a connection over the cap gets a 503 problem+json and is closed; a freed slot is reused', async () => {
    const service = await startService({ MAX_CONNECTIONS: '3' });
    const held = [];
    try {
      for (let index = 0; index < 3; index++) {
        const socket = connect(service.port, '127.0.0.1');
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        held.push(socket);
      }
      await sleep(50);
      const refused = await rawExchange(service.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      assertServiceAnswer(refused, 503, 'over the cap');
      assert.match(refused, /\r\nRetry-After: 1\r\n/);
      const logged = accessLines(service);
      assert.deepEqual(logged.map((line) => [line.status, line.reason]), [[503, 'connection_limit']]);

      const freed = once(held[0]!, 'close');
      held[0]!.destroy();
      await freed;
      await sleep(50);
      assert.equal((await request(service.port, { path: '/health' })).status, 200);
    } finally {
      for (const socket of held) socket.destroy();
      await service.close();
    }
  });

  test('a client that pipelines thousands of requests and reads nothing is cut off; /health on a fresh connection is answered', async () => {
    const service = await startService({ RATE_LIMIT_BURST: '1000000', RATE_LIMIT_PER_MINUTE: '60000000' });
    try {
      const greedy = connect(service.port, '127.0.0.1');
      greedy.on('error', () => undefined);
      await once(greedy, 'connect');
      greedy.pause();
      // 20 000 requests (540 KB) that the client never reads the answers to. A paused socket does not notice being
      // closed, so the server's side is what the test watches.
      const burst = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(500);
      for (let write = 0; write < 40; write++) greedy.write(burst);
      const cutOff = (): boolean => {
        service.log.flush();
        return service.stderr.lines().some((line) => line.msg === 'closed a connection that kept sending requests without reading the responses');
      };
      for (let wait = 0; wait < 100 && !cutOff(); wait++) await sleep(50);
      assert.ok(cutOff(), 'the server closed the connection');
      const answered = accessLines(service).length;
      assert.ok(answered < 1000, `it answered ${answered} of the 20 000 requests before closing the connection`);
      greedy.destroy();
      assert.equal((await request(service.port, { path: '/health' })).status, 200);
    } finally {
      await service.close();
    }
  });
});
