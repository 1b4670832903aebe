// The access log, byte for byte: a fixed set of varied requests against the production configuration, compared with a fixture.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawExchange, request, ROOT, startService, type RequestOptions } from './helpers/http.ts';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'log-lines', 'access.jsonl');
/** `RECORD_LOG_LINES=1 node --import tsx --test test/log-lines.test.ts` rewrites the fixture from the code as it is. */
const RECORD = process.env.RECORD_LOG_LINES === '1';

const ORIGIN = 'https://app.example.com';
const TRACE = 'Root=1-67891233-abcdef012345678912345678';

/**
 * The production shape (NODE_ENV=production, so FORCE_HTTPS; the load balancer's subnet trusted), with a rate limit
 * small enough to reach: two requests per client, then 429. The limiter's clock is the test's: it jumps an hour
 * before every request (every bucket full again) except where a case asks it to stand still.
 */
const ENV = {
  NODE_ENV: 'production',
  TRUSTED_PROXIES: '127.0.0.0/8,10.0.0.0/16',
  ALLOWED_ORIGINS: `${ORIGIN},http://localhost:3000`,
  APP_COMMIT: 'abc1234',
  RATE_LIMIT_BURST: '2',
  RATE_LIMIT_PER_MINUTE: '1',
};
const HOUR_MS = 3_600_000;

/** The load balancer's headers for a browser request from `client` over HTTPS. */
function alb(client: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'X-Forwarded-For': client,
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Port': '443',
    'X-Amzn-Trace-Id': TRACE,
    Origin: ORIGIN,
    ...extra,
  };
}

/** X-Forwarded-For values: trusted hops, invalid entries, ports, brackets, IPv6 case, mapped IPv4, blanks. */
const FORWARDED_CHAINS = [
  '198.51.100.1, 10.0.0.5, 127.0.0.1',
  'garbage, 198.51.100.2',
  '198.51.100.3, garbage, 10.0.0.9',
  '10.0.0.7, 10.0.0.8',
  '198.51.100.4:8080',
  '[2001:db8:abcd:12::1]:443',
  '2001:DB8:abcd:34::7, 10.0.0.5',
  '::ffff:198.51.100.5',
  '  198.51.100.6  ,   ',
  '198.51.100.7,,10.0.0.1',
  '999.1.1.1',
  '',
];

type Case = { readonly options: RequestOptions; readonly sameClock?: boolean } | { readonly raw: string };

/** One raw HTTP/1.1 request on its own connection; `head` is the request line and header lines, latin1. */
function raw(head: string): Case {
  return { raw: `${head}\r\nConnection: close\r\n\r\n` };
}

const CASES: readonly Case[] = [
  { options: { path: '/', headers: alb('203.0.113.10') } },
  { options: { path: '/health', headers: alb('203.0.113.11') } },
  { options: { path: '/health', headers: { 'X-Forwarded-Proto': 'http' } } },
  { options: { path: '/?page=2&q=x', headers: alb('203.0.113.12') } },
  { options: { path: '/nope?x=1', headers: alb('203.0.113.13') } },
  { options: { method: 'POST', path: '/', headers: alb('203.0.113.14', { 'Content-Type': 'application/json' }), body: '{}' } },
  { options: { method: 'DELETE', path: '/health', headers: alb('203.0.113.15') } },
  { options: { method: 'HEAD', path: '/', headers: alb('203.0.113.16') } },
  { options: { method: 'HEAD', path: '/nope', headers: alb('203.0.113.16') } },
  { options: { method: 'OPTIONS', path: '/', headers: alb('203.0.113.17') } },
  // CORS: an allowed preflight, preflights refused for the origin, the method and a header; a refused origin.
  {
    options: {
      method: 'OPTIONS',
      path: '/',
      headers: alb('203.0.113.18', { 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'content-type' }),
    },
  },
  { options: { method: 'OPTIONS', path: '/', headers: alb('203.0.113.19', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' }) } },
  { options: { method: 'OPTIONS', path: '/', headers: alb('203.0.113.20', { 'Access-Control-Request-Method': 'PUT' }) } },
  {
    options: {
      method: 'OPTIONS',
      path: '/',
      headers: alb('203.0.113.21', { 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-secret' }),
    },
  },
  { options: { path: '/', headers: alb('203.0.113.22', { Origin: 'https://evil.example' }) } },
  { options: { path: '/', headers: alb('203.0.113.23', { Origin: 'http://localhost:3000' }) } },
  // X-Forwarded-For chains: the rightmost untrusted valid address is the client.
  ...FORWARDED_CHAINS.map((chain) => ({ options: { path: '/', headers: alb(chain) } })),
  { options: { path: '/', headers: { 'X-Forwarded-For': ['198.51.100.8', '198.51.100.9'], 'X-Forwarded-Proto': 'https' } } },
  // Trace ids: none (a random id), empty, long (cut at 200), quotes and backslashes.
  { options: { path: '/', headers: { 'X-Forwarded-For': '198.51.100.10', 'X-Forwarded-Proto': 'https' } } },
  { options: { path: '/', headers: alb('198.51.100.11', { 'X-Amzn-Trace-Id': '' }) } },
  { options: { path: '/', headers: alb('198.51.100.12', { 'X-Amzn-Trace-Id': `Root=1-${'a'.repeat(250)}` }) } },
  { options: { path: '/', headers: alb('198.51.100.13', { 'X-Amzn-Trace-Id': 'Root="x\\y";Self=1-2-3' }) } },
  // Over plain HTTP behind the proxy: 301 for GET/HEAD, 308 otherwise.
  { options: { path: '/?a=1', headers: alb('198.51.100.14', { 'X-Forwarded-Proto': 'http' }) } },
  { options: { method: 'POST', path: '/x', headers: alb('198.51.100.15', { 'X-Forwarded-Proto': 'HTTP' }), body: 'a' } },
  // The rate limit: the same client three times without the clock moving; the third is refused.
  { options: { path: '/', headers: alb('192.0.2.50') } },
  { options: { path: '/', headers: alb('192.0.2.50') }, sameClock: true },
  { options: { path: '/', headers: alb('192.0.2.50') }, sameClock: true },
  { options: { method: 'HEAD', path: '/', headers: alb('192.0.2.50') }, sameClock: true },
  { options: { path: '/health', headers: alb('192.0.2.50') }, sameClock: true },
  // Raw requests: latin1 control characters in the trace id and the path, forms other than a path, protocol errors.
  raw(`GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.20\r\nX-Amzn-Trace-Id: Root=1-\x85\x9b[31m\xa0\xff\t"\\ end`),
  raw('GET /caf\xe9 HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.21'),
  raw('GET /a%C2%85b\\c"d\'e{f}|g^h~i HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.21'),
  raw('OPTIONS * HTTP/1.1\r\nHost: a'),
  raw('GET * HTTP/1.1\r\nHost: a'),
  raw('GET http://Example.com:8080/health?x=1 HTTP/1.1\r\nHost: a'),
  raw('GET ftp://example.com/ HTTP/1.1\r\nHost: a'),
  raw('GET / HTTP/1.1\r\nX-Forwarded-For: 198.51.100.22'),
  raw('GET / HTTP/1.1\r\nHost: a\r\nHost: b'),
  raw('GET / HTTP/1.0'),
  raw('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999'),
  raw('GET / HTTP/1.1\r\nHost: a\r\nExpect: 201-maybe'),
  raw('GET / HTTP/1.1\r\nHost a'),
];

/** Time, duration and random request ids vary from run to run; their forms are kept, their values replaced. */
function normalise(text: string): string {
  return text
    .replace(/"time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"/g, '"time":"<time>"')
    .replace(/"duration_ms":\d+(?:\.\d{1,3})?,/g, '"duration_ms":"<ms>",')
    .replace(/"request_id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"/g, '"request_id":"<uuid>"');
}

test('the access lines of varied requests are byte for byte those of the fixture', async () => {
  let now = 0;
  const service = await startService(ENV, { clock: () => now });
  try {
    for (const item of CASES) {
      if ('raw' in item) {
        await rawExchange(service.port, Buffer.from(item.raw, 'latin1'));
        continue;
      }
      if (item.sameClock !== true) now += HOUR_MS;
      await request(service.port, item.options);
    }
  } finally {
    await service.close();
  }
  const actual = normalise(service.stdout.text);
  assert.equal(actual.split('\n').length - 1, CASES.length, `one access line per request:\n${actual}`);
  if (RECORD) writeFileSync(FIXTURE, actual);
  assert.equal(actual, readFileSync(FIXTURE, 'utf8'));
});
