// The token-bucket limiter: burst, refill by an injected clock, headers, exemptions, the client cap and its memory bound.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RateLimiter, rateLimitValues } from '../lib/rate-limit.ts';
import { request, startService, type TestService } from './helpers/http.ts';

class FakeClock {
  ms = 1_000_000;
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

async function withService(env: Record<string, string>, clock: FakeClock, body: (service: TestService) => Promise<void>): Promise<void> {
  const service = await startService(env, { clock: clock.now });
  try {
    await body(service);
  } finally {
    await service.close();
  }
}

describe('rate limiting over HTTP', () => {
  test('100 requests pass, the 101st is a 429 problem with Retry-After and the RateLimit fields', async () => {
    const clock = new FakeClock();
    await withService({ ALLOWED_ORIGINS: 'https://app.example' }, clock, async (service) => {
      for (let i = 1; i <= 100; i++) {
        const reply = await request(service.port, { path: i % 2 === 0 ? '/' : '/missing' });
        assert.notEqual(reply.status, 429, `request ${i}`);
        assert.equal(reply.headers['ratelimit-policy'], '"default";q=100;w=60');
        assert.equal(reply.headers.ratelimit, `"default";r=${100 - i};t=1`);
      }
      const refused = await request(service.port, { headers: { origin: 'https://app.example' } });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(refused.headers.ratelimit, '"default";r=0;t=1');
      assert.equal(refused.headers['ratelimit-policy'], '"default";q=100;w=60');
      assert.equal(refused.headers['access-control-allow-origin'], 'https://app.example', 'CORS headers on the 429');
      assert.match(String(refused.headers['access-control-expose-headers']), /Retry-After/);
      assert.equal(refused.headers['x-frame-options'], 'DENY', 'security headers on the 429');
      const problem = JSON.parse(refused.body) as Record<string, unknown>;
      assert.equal(problem.type, 'https://iana.org/assignments/http-problem-types#quota-exceeded');
      assert.equal(problem.status, 429);
      assert.deepEqual(problem['violated-policies'], ['default']);
    });
  });

  test('tokens come back at the configured rate (injected clock, no sleeping)', async () => {
    const clock = new FakeClock();
    await withService({ RATE_LIMIT_BURST: '5', RATE_LIMIT_PER_MINUTE: '60' }, clock, async (service) => {
      for (let i = 0; i < 5; i++) assert.equal((await request(service.port)).status, 200);
      assert.equal((await request(service.port)).status, 429);
      clock.advance(999);
      const stillEmpty = await request(service.port);
      assert.equal(stillEmpty.status, 429);
      assert.equal(stillEmpty.headers['retry-after'], '1');
      clock.advance(1);
      const one = await request(service.port);
      assert.equal(one.status, 200, 'one token per second at 60/min');
      assert.equal(one.headers.ratelimit, '"default";r=0;t=1');
      assert.equal((await request(service.port)).status, 429);
      clock.advance(3000);
      const three = await request(service.port);
      assert.equal(three.headers.ratelimit, '"default";r=2;t=1', 'three tokens after 3 s, one taken');
      clock.advance(60_000);
      const full = await request(service.port);
      assert.equal(full.headers.ratelimit, '"default";r=4;t=1', 'never more than the burst');
      assert.equal(service.limiter?.trackedClients, 1);
    });
  });

  test('Retry-After counts whole seconds until the next token', async () => {
    const clock = new FakeClock();
    await withService({ RATE_LIMIT_BURST: '1', RATE_LIMIT_PER_MINUTE: '6' }, clock, async (service) => {
      assert.equal((await request(service.port)).status, 200);
      clock.advance(2500);
      const refused = await request(service.port);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '8', '10 s per token, 2.5 s elapsed');
      assert.equal(refused.headers['ratelimit-policy'], '"default";q=1;w=10');
    });
  });

  test('/health is never limited and carries no RateLimit fields', async () => {
    const clock = new FakeClock();
    await withService({ RATE_LIMIT_BURST: '1' }, clock, async (service) => {
      assert.equal((await request(service.port)).status, 200);
      assert.equal((await request(service.port)).status, 429);
      for (let i = 0; i < 20; i++) {
        const health = await request(service.port, { path: '/health' });
        assert.equal(health.status, 200);
        assert.equal(health.headers.ratelimit, undefined);
      }
    });
  });

  test('CORS preflights are answered before the limiter and cost nothing', async () => {
    const clock = new FakeClock();
    await withService({ RATE_LIMIT_BURST: '2', ALLOWED_ORIGINS: 'https://app.example' }, clock, async (service) => {
      for (let i = 0; i < 10; i++) {
        const preflight = await request(service.port, {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.ratelimit, undefined);
      }
      const actual = await request(service.port, { headers: { origin: 'https://app.example' } });
      assert.equal(actual.headers.ratelimit, '"default";r=1;t=1', 'the bucket is untouched by the preflights');
    });
  });

  test('RATE_LIMIT_PER_MINUTE=0 disables the limiter with a start-up warning', async () => {
    const clock = new FakeClock();
    await withService({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_BURST: '1' }, clock, async (service) => {
      for (let i = 0; i < 5; i++) {
        const reply = await request(service.port);
        assert.equal(reply.status, 200);
        assert.equal(reply.headers.ratelimit, undefined);
      }
      service.log.flush();
      assert.ok(service.stderr.lines().some((line) => String(line.msg).includes('rate limiting is disabled')));
    });
  });
});

describe('RateLimiter bookkeeping', () => {
  test('a fractional clock never costs a token: (now + x) - now may exceed x by a rounding error', () => {
    // 8074.1837378195405 + 600 - 8074.1837378195405 === 600.0000000000009 in IEEE 754 doubles; performance.now()
    // returns such values, and a burst-1 bucket then refused its first request (a flaky test found it).
    const limiter = new RateLimiter({ burst: 1, perMinute: 100, maxClients: 10, now: () => 8074.1837378195405 });
    const first = limiter.take('client');
    assert.equal(first.allowed, true);
    assert.equal(first.remaining, 0);
    assert.equal(limiter.take('client').allowed, false);
  });

  test('full buckets are forgotten by the sweep; partly drained ones are kept', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ burst: 10, perMinute: 600, maxClients: 100, now: clock.now });
    limiter.take('a');
    for (let i = 0; i < 5; i++) limiter.take('b');
    clock.advance(100);
    limiter.sweep();
    assert.equal(limiter.trackedClients, 1, "a's bucket is full again after 100 ms, b's is not");
    clock.advance(1000);
    limiter.sweep();
    assert.equal(limiter.trackedClients, 0);
  });

  test('the periodic sweep forgets only buckets full for the idle time, and a kept one goes on where it was', () => {
    const clock = new FakeClock();
    // 5 tokens a second: each take puts a bucket 200 ms from full.
    const limiter = new RateLimiter({ burst: 5, perMinute: 300, maxClients: 100, now: clock.now });
    for (const key of ['a', 'b', 'b', 'b']) limiter.take(key);
    clock.advance(200);
    limiter.sweepIdle(1000);
    assert.equal(limiter.trackedClients, 2, "a's bucket has been full for 0 ms, b's is not full");
    const again = limiter.take('a');
    assert.deepEqual([again.allowed, again.remaining], [true, 4], 'a kept entry is the full bucket it stands for');
    clock.advance(1199);
    limiter.sweepIdle(1000);
    assert.equal(limiter.trackedClients, 2, 'a has been full for 999 ms, b for 799 ms');
    clock.advance(1);
    limiter.sweepIdle(1000);
    assert.equal(limiter.trackedClients, 1, 'a has been full for 1 000 ms: forgotten');
    clock.advance(200);
    limiter.sweepIdle(1000);
    assert.equal(limiter.trackedClients, 0);
  });

  test('at the cap, a drained client keeps its state and new clients share the overflow bucket', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ burst: 3, perMinute: 60, maxClients: 2, now: clock.now });
    for (let i = 0; i < 3; i++) assert.ok(limiter.take('attacker').allowed);
    assert.ok(!limiter.take('attacker').allowed);
    limiter.take('victim');
    // The table is full of drained buckets: new keys cannot evict them...
    for (let i = 0; i < 3; i++) assert.ok(limiter.take(`new-${i}`).allowed, 'overflow bucket has tokens');
    assert.ok(!limiter.take('new-3').allowed, 'the overflow bucket is limited too');
    assert.equal(limiter.trackedClients, 2);
    // ...and the attacker is still limited after flooding.
    assert.ok(!limiter.take('attacker').allowed, 'no reset by flooding the table');
  });

  test('at the cap, full buckets are swept to make room before the overflow is used', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ burst: 3, perMinute: 60, maxClients: 2, now: clock.now });
    limiter.take('a');
    limiter.take('b');
    clock.advance(5000);
    assert.ok(limiter.take('c').allowed);
    assert.equal(limiter.trackedClients, 1, 'a and b were full, so they were forgotten and c is tracked');
  });

  test('one million distinct clients keep the table at the cap and the heap within budget', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = new FakeClock();
    const maxClients = 100_000;
    const limiter = new RateLimiter({ burst: 100, perMinute: 100, maxClients, now: clock.now });
    gc();
    const before = process.memoryUsage().heapUsed;
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) {
      // Distinct IPv4 addresses from 10.0.0.0 upwards; each request takes a token, so no bucket is full.
      const key = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      if (!limiter.take(key).allowed) refused++;
      if (i % 1000 === 0) clock.advance(1);
    }
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    assert.equal(limiter.trackedClients, maxClients);
    assert.ok(refused > 800_000, `the overflow bucket limits the flood (${refused} refused)`);
    // Budget: 32 MB for 100 000 tracked keys (measured ≈ 7 MB on Node 20: the Map, its keys and boxed numbers).
    assert.ok(grownMb < 32, `heap grew ${grownMb.toFixed(1)} MB`);
    process.stdout.write(`# rate limiter: 1e6 distinct clients, ${limiter.trackedClients} tracked, heap +${grownMb.toFixed(1)} MB\n`);
  });
});

describe('RateLimit field values', () => {
  test('the memoised values are the formatted ones, from the table and past its bounds', () => {
    // burst 100, window 60 s: the table (101 × 61 entries); burst 1e6, window 1000 s: too large, the last value.
    for (const [burst, windowSeconds] of [
      [100, 60],
      [1_000_000, 1000],
    ] as const) {
      const valueOf = rateLimitValues(burst, windowSeconds);
      const cases: ReadonlyArray<readonly [number, number]> = [
        [burst - 1, 1],
        [burst - 1, 1],
        [0, windowSeconds],
        [burst, 0],
        [7, 3],
        [burst + 1, 1],
        [0, windowSeconds + 1],
        [burst - 1, 1],
      ];
      for (const [remaining, reset] of cases) {
        assert.equal(valueOf(remaining, reset), `"default";r=${remaining};t=${reset}`, `burst ${burst}: r=${remaining}, t=${reset}`);
      }
    }
  });
});
