// Routes, methods, bodies and the full security header block on every status, over real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_BODY_BYTES } from '../lib/body.ts';
import { rawExchange, request, startService, type Reply, type TestService } from './helpers/http.ts';

/** Written out here, not imported, so a change to the module is a test failure. */
const EXPECTED_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'cache-control': 'no-store',
};

const POWERFUL_FEATURES = ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'fullscreen', 'browsing-topics', 'sync-xhr'];

function assertSecurityHeaders(reply: Reply, label: string): void {
  for (const [name, value] of Object.entries(EXPECTED_HEADERS)) {
    assert.equal(reply.headers[name], value, `${label}: ${name}`);
  }
  const policy = reply.headers['permissions-policy'];
  assert.equal(typeof policy, 'string', `${label}: permissions-policy present`);
  const entries = String(policy).split(', ');
  for (const entry of entries) assert.match(entry, /^[a-z-]+=\(\)$/, `${label}: ${entry} denies the feature`);
  for (const feature of POWERFUL_FEATURES) assert.ok(entries.includes(`${feature}=()`), `${label}: ${feature} denied`);
  assert.equal(reply.headers.server, undefined, `${label}: no Server header`);
  assert.equal(reply.headers['x-powered-by'], undefined, `${label}: no X-Powered-By header`);
  // Each security header appears exactly once (a duplicate CSP or HSTS is invalid for browsers and the Observatory).
  const lower = reply.rawNames.map((name) => name.toLowerCase());
  for (const name of [...Object.keys(EXPECTED_HEADERS), 'permissions-policy']) {
    assert.equal(lower.filter((n) => n === name).length, 1, `${label}: ${name} once`);
  }
}

describe('routes', () => {
  let service: TestService;
  before(async () => {
    service = await startService();
  });
  after(() => service.close());

  test('GET / answers the hello message as JSON', async () => {
    const reply = await request(service.port);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(reply.body), { message: 'Hello, World' });
    assert.equal(reply.headers['content-length'], String(Buffer.byteLength(reply.body)));
    assertSecurityHeaders(reply, 'GET /');
  });

  test('GET /health reports status and version, without commit when APP_COMMIT is unset', async () => {
    const reply = await request(service.port, { path: '/health' });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { status: 'ok', version: '1.0.0' });
    assertSecurityHeaders(reply, 'GET /health');
  });

  test('query strings are ignored for routing', async () => {
    const reply = await request(service.port, { path: '/health?verbose=1&x=%00' });
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.body) as { status: string }).status, 'ok');
    assert.equal((await request(service.port, { path: '/?a=b' })).status, 200);
  });

  for (const path of ['/', '/health']) {
    test(`HEAD ${path} has the GET headers and no body`, async () => {
      const get = await request(service.port, { path });
      const head = await request(service.port, { path, method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(head.headers['content-length'], get.headers['content-length']);
      assert.equal(head.headers['content-type'], get.headers['content-type']);
      assertSecurityHeaders(head, `HEAD ${path}`);
    });

    test(`OPTIONS ${path} without a preflight answers 204 with Allow`, async () => {
      const reply = await request(service.port, { path, method: 'OPTIONS' });
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.allow, 'GET, HEAD, OPTIONS');
      assert.equal(reply.body, '');
      assertSecurityHeaders(reply, `OPTIONS ${path}`);
    });

    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      test(`${method} ${path} answers 405 problem+json with Allow`, async () => {
        const reply = await request(service.port, { path, method });
        assert.equal(reply.status, 405);
        assert.equal(reply.headers.allow, 'GET, HEAD, OPTIONS');
        assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8');
        const problem = JSON.parse(reply.body) as Record<string, unknown>;
        assert.equal(problem.status, 405);
        assert.equal(problem.title, 'Method Not Allowed');
        assert.equal(typeof problem.detail, 'string');
        assertSecurityHeaders(reply, `${method} ${path}`);
      });
    }
  }

  for (const path of ['/nope', '/health/', '/HEALTH', '//', '/index.html']) {
    test(`GET ${path} answers 404 problem+json`, async () => {
      const reply = await request(service.port, { path });
      assert.equal(reply.status, 404);
      assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.deepEqual(Object.keys(JSON.parse(reply.body) as object).sort(), ['detail', 'status', 'title']);
      assertSecurityHeaders(reply, `GET ${path}`);
    });
  }

  test('a POST to an unknown path is a 404, not a 405', async () => {
    assert.equal((await request(service.port, { path: '/nope', method: 'POST' })).status, 404);
  });
});

describe('health with APP_COMMIT', () => {
  test('includes the commit and the configured version', async () => {
    const service = await startService({ APP_COMMIT: 'abc1234', APP_VERSION: '2.3.4' });
    try {
      const reply = await request(service.port, { path: '/health' });
      assert.deepEqual(JSON.parse(reply.body), { status: 'ok', version: '2.3.4', commit: 'abc1234' });
    } finally {
      await service.close();
    }
  });

  test('HSTS_MAX_AGE changes the max-age', async () => {
    const service = await startService({ HSTS_MAX_AGE: '31536000' });
    try {
      const reply = await request(service.port);
      assert.equal(reply.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    } finally {
      await service.close();
    }
  });
});

describe('errors', () => {
  let service: TestService;
  before(async () => {
    const boom = (exchange: { path: string }): boolean => {
      if (exchange.path === '/boom') throw new Error('handler exploded');
      return false;
    };
    service = await startService({}, { extraStages: [boom] });
  });
  after(() => service.close());

  test('an exception in a stage is a 500 problem+json, logged, and the next request is served', async () => {
    const reply = await request(service.port, { path: '/boom' });
    assert.equal(reply.status, 500);
    assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.doesNotMatch(reply.body, /exploded|at |\.ts/, 'no error message or stack in the body');
    assertSecurityHeaders(reply, '500');
    assert.equal((await request(service.port)).status, 200);
    service.log.flush();
    const errors = service.stderr.lines();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.msg, 'request failed');
    assert.equal((errors[0]?.error as { message: string }).message, 'handler exploded');
  });

  test('an exception in a stage that runs once a chunked body has ended is a 500 problem+json too', async () => {
    const payload = 'POST /boom HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    const response = await rawExchange(service.port, payload);
    assert.match(response, /^HTTP\/1\.1 500 /);
    assert.match(response, /\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
    assert.equal((await request(service.port)).status, 200);
  });

  test('a declared body over 1 KiB gets 413 and the connection is closed', async () => {
    const reply = await request(service.port, { method: 'POST', body: 'x'.repeat(1025) });
    assert.equal(reply.status, 413);
    assert.equal(reply.headers.connection, 'close');
    assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8');
    assertSecurityHeaders(reply, '413');
  });

  test('the 413 states the limit the server enforces: a body of MAX_BODY_BYTES is read, one byte more is refused', async () => {
    const atLimit = `GET / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY_BYTES}\r\nConnection: close\r\n\r\n${'x'.repeat(MAX_BODY_BYTES)}`;
    assert.match(await rawExchange(service.port, atLimit), /^HTTP\/1\.1 200 /);
    const over = await request(service.port, { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) });
    assert.equal(over.status, 413);
    assert.equal((JSON.parse(over.body) as { detail: string }).detail, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
  });

  test('a chunked body over 1 KiB gets 413 without being buffered, and the connection is closed', async () => {
    const chunk = 'y'.repeat(600);
    const size = chunk.length.toString(16);
    const payload = `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`;
    const response = await rawExchange(service.port, payload);
    assert.match(response, /^HTTP\/1\.1 413 /);
    assert.match(response, /\r\nConnection: close\r\n/i);
    assert.equal(response.match(/HTTP\/1\.1 /g)?.length, 1, 'the pipelined request after it is not served');
  });

  test('a small chunked body is accepted and the route answers', async () => {
    const payload = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    assert.match(await rawExchange(service.port, payload), /^HTTP\/1\.1 405 /);
  });

  test('a small body with Content-Length is fine and the connection stays usable', async () => {
    const payload = 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const response = await rawExchange(service.port, payload);
    assert.equal(response.match(/HTTP\/1\.1 200 /g)?.length, 2);
  });

  test('headers over 16 KiB get 431 problem+json with the security headers', async () => {
    const payload = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`;
    const response = await rawExchange(service.port, payload);
    assert.match(response, /^HTTP\/1\.1 431 /);
    assert.match(response, /\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
    assert.match(response, /\r\nX-Frame-Options: DENY\r\n/);
    assert.match(response, /\r\nConnection: close\r\n/);
    assert.match(response, /"status":431/);
  });

  for (const [label, payload] of [
    ['garbage', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a bad header line', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
    ['an invalid Content-Length', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ] as const) {
    test(`${label} gets 400 problem+json and the process keeps serving`, async () => {
      const response = await rawExchange(service.port, payload);
      assert.match(response, /^HTTP\/1\.1 400 /);
      assert.match(response, /"status":400/);
      assert.match(response, /\r\nContent-Security-Policy: default-src 'none'/);
      assert.equal((await request(service.port)).status, 200);
    });
  }

  test('HTTP/1.1 without Host is a 400 problem+json', async () => {
    const response = await rawExchange(service.port, 'GET / HTTP/1.1\r\n\r\n');
    assert.match(response, /^HTTP\/1\.1 400 /);
    assert.match(response, /Host header/);
    assert.match(response, /\r\nX-Content-Type-Options: nosniff\r\n/);
  });

  test('HTTP/1.0 without Host is served', async () => {
    assert.match(await rawExchange(service.port, 'GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /);
  });
});

describe('server hardening', () => {
  test('timeouts and limits suit life behind an ALB with a 60 s idle timeout', async () => {
    const service = await startService();
    try {
      assert.equal(service.server.keepAliveTimeout, 65_000);
      assert.equal(service.server.headersTimeout, 66_000);
      assert.ok(service.server.requestTimeout >= service.server.headersTimeout);
      assert.ok(service.server.requestTimeout > 0);
      assert.equal(service.server.maxHeadersCount, 0, 'no limit in Node: the protocol stage answers 431 past 100 lines');
      assert.equal(service.server.maxRequestsPerSocket, 0);
      const reply = await request(service.port, { headers: { connection: 'keep-alive' } });
      assert.equal(reply.headers['keep-alive'], 'timeout=65');
    } finally {
      await service.close();
    }
  });
});
