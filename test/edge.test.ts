// Client IP behind trusted proxies and HTTPS enforcement, over real sockets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request, startService, type TestService } from './helpers/http.ts';

async function withService(env: Record<string, string>, body: (service: TestService) => Promise<void>): Promise<void> {
  const service = await startService(env);
  try {
    await body(service);
  } finally {
    await service.close();
  }
}

function loggedClients(service: TestService): unknown[] {
  service.log.flush();
  return service.stdout.lines().filter((line) => line.msg === 'request').map((line) => line.client);
}

describe('client IP', () => {
  test('from a trusted proxy, the rightmost untrusted X-Forwarded-For entry is the client; a forged leftmost one changes nothing', async () => {
    await withService({ TRUSTED_PROXIES: '127.0.0.0/8', RATE_LIMIT_BURST: '2' }, async (service) => {
      const first = await request(service.port, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      const forged = await request(service.port, { headers: { 'x-forwarded-for': '1.2.3.4, 203.0.113.9' } });
      const forgedAgain = await request(service.port, { headers: { 'x-forwarded-for': '5.6.7.8, 203.0.113.9' } });
      assert.deepEqual([first.status, forged.status, forgedAgain.status], [200, 200, 429], 'one bucket for 203.0.113.9');
      assert.deepEqual(loggedClients(service), ['203.0.113.9', '203.0.113.9', '203.0.113.9']);
      const other = await request(service.port, { headers: { 'x-forwarded-for': '198.51.100.1' } });
      assert.equal(other.status, 200, 'another client has its own bucket');
    });
  });

  test('from an untrusted peer, X-Forwarded-For is ignored and one warning is logged', async () => {
    await withService({ RATE_LIMIT_BURST: '2' }, async (service) => {
      await request(service.port, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      await request(service.port, { headers: { 'x-forwarded-for': '203.0.113.10' } });
      const third = await request(service.port, { headers: { 'x-forwarded-for': '203.0.113.11' } });
      assert.equal(third.status, 429, 'rotating the header does not mint new buckets');
      assert.deepEqual(loggedClients(service), ['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      const warnings = service.stderr.lines().filter((line) => line.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]?.hint), /TRUSTED_PROXIES/);
    });
  });

  test('IPv6 clients within one /56 share a bucket; another /56 does not', async () => {
    await withService({ TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_BURST: '2' }, async (service) => {
      const statuses: number[] = [];
      for (const address of ['2001:db8:0:ab00::1', '2001:db8:0:abff:ffff::2', '2001:db8:0:ab12::3']) {
        statuses.push((await request(service.port, { headers: { 'x-forwarded-for': address } })).status);
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.equal((await request(service.port, { headers: { 'x-forwarded-for': '2001:db8:0:ac00::1' } })).status, 200);
    });
  });

  test('RATE_LIMIT_IPV6_PREFIX=64 separates what /56 would merge', async () => {
    await withService({ TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_BURST: '1', RATE_LIMIT_IPV6_PREFIX: '64' }, async (service) => {
      assert.equal((await request(service.port, { headers: { 'x-forwarded-for': '2001:db8:0:ab00::1' } })).status, 200);
      assert.equal((await request(service.port, { headers: { 'x-forwarded-for': '2001:db8:0:ab01::1' } })).status, 200);
      assert.equal((await request(service.port, { headers: { 'x-forwarded-for': '2001:db8:0:ab01::2' } })).status, 429);
    });
  });
});

describe('HTTPS enforcement', () => {
  const env = { FORCE_HTTPS: 'true', TRUSTED_PROXIES: '127.0.0.1' };

  test('X-Forwarded-Proto: http through a trusted proxy → 301 to the same path and query on https', async () => {
    await withService(env, async (service) => {
      const reply = await request(service.port, { path: '/?a=1&b=two', headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' } });
      assert.equal(reply.status, 301);
      assert.equal(reply.headers.location, 'https://api.example.com/?a=1&b=two');
      assert.equal(reply.headers['content-length'], '0');
      assert.equal(reply.headers['x-frame-options'], 'DENY', 'security headers on redirects too');
      assert.equal(reply.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');
      const head = await request(service.port, { method: 'HEAD', path: '/x', headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' } });
      assert.equal(head.status, 301);
      assert.equal(head.headers.location, 'https://api.example.com/x');
    });
  });

  test('other methods get 308, which keeps the method', async () => {
    await withService(env, async (service) => {
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const reply = await request(service.port, { method, headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' } });
        assert.equal(reply.status, 308, method);
        assert.equal(reply.headers.location, 'https://api.example.com/');
      }
    });
  });

  test('exemptions: /health, https, no X-Forwarded-Proto, an untrusted peer, FORCE_HTTPS off', async () => {
    await withService(env, async (service) => {
      assert.equal((await request(service.port, { path: '/health', headers: { 'x-forwarded-proto': 'http' } })).status, 200);
      assert.equal((await request(service.port, { path: '/health?probe=1', headers: { 'x-forwarded-proto': 'http' } })).status, 200);
      assert.equal((await request(service.port, { headers: { 'x-forwarded-proto': 'https' } })).status, 200);
      assert.equal((await request(service.port)).status, 200);
    });
    await withService({ FORCE_HTTPS: 'true' }, async (service) => {
      assert.equal((await request(service.port, { headers: { 'x-forwarded-proto': 'http' } })).status, 200, 'header from an untrusted peer is ignored');
    });
    await withService({ TRUSTED_PROXIES: '127.0.0.1', NODE_ENV: 'development' }, async (service) => {
      assert.equal((await request(service.port, { headers: { 'x-forwarded-proto': 'http' } })).status, 200, 'off outside production by default');
    });
  });

  test('FORCE_HTTPS defaults to on in production', async () => {
    await withService({ NODE_ENV: 'production', TRUSTED_PROXIES: '127.0.0.1' }, async (service) => {
      assert.equal((await request(service.port, { headers: { host: 'a.example', 'x-forwarded-proto': 'http' } })).status, 301);
    });
  });

  test('PUBLIC_HOSTNAME wins over the Host header (no open redirect)', async () => {
    await withService({ ...env, PUBLIC_HOSTNAME: 'api.example.com' }, async (service) => {
      const reply = await request(service.port, { path: '/p', headers: { host: 'evil.example', 'x-forwarded-proto': 'http' } });
      assert.equal(reply.headers.location, 'https://api.example.com/p');
    });
  });

  test('a Host that is not host[:port] gets 400 problem+json, never a redirect', async () => {
    await withService(env, async (service) => {
      for (const host of ['evil.com/x', 'user@evil.com', 'evil.com:99999', 'a b']) {
        const reply = await request(service.port, { headers: { host, 'x-forwarded-proto': 'http' } });
        assert.equal(reply.status, 400, host);
        assert.equal(reply.headers.location, undefined);
        assert.equal(reply.headers['content-type'], 'application/problem+json; charset=utf-8');
      }
    });
  });

  test('a path like //evil.com stays on our host', async () => {
    await withService(env, async (service) => {
      const reply = await request(service.port, { path: '//evil.com/x', headers: { host: 'api.example.com', 'x-forwarded-proto': 'http' } });
      assert.equal(reply.headers.location, 'https://api.example.com//evil.com/x');
      assert.equal(new URL(String(reply.headers.location)).host, 'api.example.com');
    });
  });
});
