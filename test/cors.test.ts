// The CORS matrix: allowed/disallowed origin × simple/preflight × credentials on/off, and the start-up rules.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { request, startService, type Reply, type TestService } from './helpers/http.ts';

const ALLOWED = 'https://app.example';
const OTHER = 'https://evil.example';
const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'access-control-expose-headers',
];

function assertNoCorsHeaders(reply: Reply, label: string): void {
  for (const name of CORS_HEADERS) assert.equal(reply.headers[name], undefined, `${label}: no ${name}`);
}

function preflight(port: number, origin: string, method = 'GET', requestHeaders?: string): Promise<Reply> {
  const headers: Record<string, string> = { origin, 'access-control-request-method': method };
  if (requestHeaders !== undefined) headers['access-control-request-headers'] = requestHeaders;
  return request(port, { method: 'OPTIONS', headers });
}

for (const credentials of [false, true]) {
  describe(`CORS with credentials ${credentials ? 'on' : 'off'}`, () => {
    let service: TestService;
    const env = { ALLOWED_ORIGINS: `${ALLOWED},http://localhost:5173`, CORS_ALLOW_CREDENTIALS: String(credentials), RATE_LIMIT_BURST: '1000' };

    before(async () => {
      service = await startService(env);
    });
    after(() => service.close());

    test('allowed origin, simple request: the origin is echoed exactly, rate-limit headers exposed, Vary: Origin', async () => {
      const reply = await request(service.port, { headers: { origin: ALLOWED } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['access-control-allow-origin'], ALLOWED);
      assert.equal(reply.headers['access-control-expose-headers'], 'RateLimit, RateLimit-Policy, Retry-After');
      assert.equal(reply.headers['access-control-allow-credentials'], credentials ? 'true' : undefined);
      assert.equal(reply.headers.vary, 'Origin');
      assert.equal(reply.headers['access-control-allow-methods'], undefined, 'preflight-only headers stay off actual responses');
    });

    test('disallowed origin, simple request: answered, but no CORS headers; Vary: Origin still', async () => {
      for (const origin of [OTHER, 'https://app.example.evil.example', 'https://APP.example', `${ALLOWED}/`, 'null', `${ALLOWED}:443`]) {
        const reply = await request(service.port, { headers: { origin } });
        assert.equal(reply.status, 200, origin);
        assertNoCorsHeaders(reply, origin);
        assert.equal(reply.headers.vary, 'Origin', origin);
      }
    });

    test('no Origin: no CORS headers, Vary: Origin', async () => {
      const reply = await request(service.port);
      assertNoCorsHeaders(reply, 'no origin');
      assert.equal(reply.headers.vary, 'Origin');
      const missing = await request(service.port, { path: '/nope' });
      assert.equal(missing.headers.vary, 'Origin', 'on errors too');
    });

    test('allowed preflight: 204, Content-Length 0, methods, allowed headers, max-age', async () => {
      const reply = await preflight(service.port, ALLOWED, 'GET', 'content-type');
      assert.equal(reply.status, 204);
      assert.equal(reply.headers['content-length'], '0');
      assert.equal(reply.body, '');
      assert.equal(reply.headers['access-control-allow-origin'], ALLOWED);
      assert.equal(reply.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
      assert.equal(reply.headers['access-control-allow-headers'], 'content-type');
      assert.equal(reply.headers['access-control-max-age'], '600');
      assert.equal(reply.headers['access-control-allow-credentials'], credentials ? 'true' : undefined);
      assert.equal(reply.headers.vary, 'Origin');
      assert.equal(reply.headers['x-frame-options'], 'DENY');
      assert.equal((await preflight(service.port, 'http://localhost:5173', 'HEAD')).status, 204);
    });

    test('refused preflights: 403 problem+json without CORS headers', async () => {
      const cases: [string, string, string | undefined][] = [
        [OTHER, 'GET', undefined],
        [ALLOWED, 'PUT', undefined],
        [ALLOWED, 'DELETE', undefined],
        [ALLOWED, 'GET', 'x-custom'],
        [ALLOWED, 'GET', 'content-type,authorization'],
        [ALLOWED, 'get', undefined],
      ];
      for (const [origin, method, headers] of cases) {
        const reply = await preflight(service.port, origin, method, headers);
        const label = `${origin} ${method} ${headers ?? ''}`;
        assert.equal(reply.status, 403, label);
        assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8', label);
        assertNoCorsHeaders(reply, label);
      }
    });

    test('plain OPTIONS (no Access-Control-Request-Method) is not a preflight: 204 with Allow', async () => {
      const reply = await request(service.port, { method: 'OPTIONS', headers: { origin: ALLOWED } });
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.allow, 'GET, HEAD, OPTIONS');
      assert.equal(reply.headers['access-control-allow-origin'], ALLOWED);
    });
  });
}

describe('CORS configuration', () => {
  test("'*' answers every origin with '*' and no Vary", async () => {
    const service = await startService({ ALLOWED_ORIGINS: '*' });
    try {
      const reply = await request(service.port, { headers: { origin: OTHER } });
      assert.equal(reply.headers['access-control-allow-origin'], '*');
      assert.equal(reply.headers.vary, undefined);
      const plain = await request(service.port);
      assert.equal(plain.headers['access-control-allow-origin'], '*');
      const pre = await preflight(service.port, OTHER);
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], '*');
    } finally {
      await service.close();
    }
  });

  test('no ALLOWED_ORIGINS: nothing is allowed cross-origin', async () => {
    const service = await startService();
    try {
      assertNoCorsHeaders(await request(service.port, { headers: { origin: ALLOWED } }), 'default');
      assert.equal((await preflight(service.port, ALLOWED)).status, 403);
    } finally {
      await service.close();
    }
  });

  test('CORS_ALLOW_HEADERS and CORS_MAX_AGE are configurable', async () => {
    const service = await startService({ ALLOWED_ORIGINS: ALLOWED, CORS_ALLOW_HEADERS: 'Content-Type, Authorization', CORS_MAX_AGE: '60' });
    try {
      const reply = await preflight(service.port, ALLOWED, 'GET', 'authorization,content-type');
      assert.equal(reply.status, 204);
      assert.equal(reply.headers['access-control-allow-headers'], 'content-type, authorization');
      assert.equal(reply.headers['access-control-max-age'], '60');
    } finally {
      await service.close();
    }
  });

  test('a short allow-list and a long one (compared one by one, looked up in a Map) answer alike', async () => {
    for (const count of [2, 12]) {
      const origins = Array.from({ length: count }, (_, index) => `https://app${index}.example`);
      const service = await startService({ ALLOWED_ORIGINS: origins.join(','), RATE_LIMIT_BURST: '1000' });
      try {
        for (const origin of [origins[0] as string, origins[count - 1] as string]) {
          const reply = await request(service.port, { headers: { origin } });
          assert.equal(reply.headers['access-control-allow-origin'], origin, `${count} origins: ${origin}`);
          assert.equal((await preflight(service.port, origin)).status, 204, `${count} origins: preflight from ${origin}`);
        }
        for (const origin of [OTHER, 'https://app1.exampl', 'https://app1.examplf']) {
          assertNoCorsHeaders(await request(service.port, { headers: { origin } }), `${count} origins: ${origin}`);
        }
      } finally {
        await service.close();
      }
    }
  });

  const refused: [Record<string, string>, RegExp][] = [
    [{ ALLOWED_ORIGINS: 'https://app.example/' }, /ALLOWED_ORIGINS="https:\/\/app.example\/".*did you mean https:\/\/app.example\?/],
    [{ ALLOWED_ORIGINS: 'https://app.example/path' }, /ALLOWED_ORIGINS="https:\/\/app.example\/path"/],
    [{ ALLOWED_ORIGINS: 'https://APP.example' }, /did you mean https:\/\/app.example/],
    [{ ALLOWED_ORIGINS: 'https://app.example:443' }, /did you mean https:\/\/app.example/],
    [{ ALLOWED_ORIGINS: 'app.example' }, /ALLOWED_ORIGINS="app.example"/],
    [{ ALLOWED_ORIGINS: 'ftp://app.example' }, /ALLOWED_ORIGINS="ftp:\/\/app.example"/],
    [{ ALLOWED_ORIGINS: '*,https://app.example' }, /'\*' alone/],
    [{ ALLOWED_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' }, /CORS_ALLOW_CREDENTIALS="true" is invalid with ALLOWED_ORIGINS="\*"/],
    [{ CORS_ALLOW_HEADERS: 'bad header' }, /CORS_ALLOW_HEADERS="bad header"/],
    [{ CORS_ALLOW_CREDENTIALS: 'yes' }, /CORS_ALLOW_CREDENTIALS="yes"/],
    [{ CORS_MAX_AGE: '86401' }, /CORS_MAX_AGE="86401"/],
    [{ TRUSTED_PROXIES: '10.0.0.0/8,nonsense' }, /TRUSTED_PROXIES="nonsense"/],
    [{ FORCE_HTTPS: 'maybe' }, /FORCE_HTTPS="maybe"/],
    [{ PUBLIC_HOSTNAME: 'https://api.example.com' }, /PUBLIC_HOSTNAME="https:\/\/api.example.com"/],
    [{ RATE_LIMIT_IPV6_PREFIX: '65' }, /RATE_LIMIT_IPV6_PREFIX="65"/],
    [{ RATE_LIMIT_BURST: '0' }, /RATE_LIMIT_BURST="0"/],
    [{ RATE_LIMIT_MAX_CLIENTS: 'lots' }, /RATE_LIMIT_MAX_CLIENTS="lots"/],
  ];
  for (const [env, message] of refused) {
    test(`refused at start-up: ${JSON.stringify(env)}`, () => {
      assert.throws(() => loadConfig(env, '1.0.0'), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.problems.some((problem) => message.test(problem)), error.problems.join('\n'));
        return true;
      });
    });
  }
});
