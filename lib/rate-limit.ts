// Token-bucket rate limiter per client key, O(1) per request, with a hard cap on tracked clients, and its pipeline stage.
import { problemBody } from './body.ts';
import type { Exchange, Stage } from './exchange.ts';
import type { Responder } from './respond.ts';
import { HEALTH_PATH } from './service-state.ts';

export interface RateLimitOptions {
  /** Bucket capacity: the burst a client may send at once. */
  readonly burst: number;
  /** Refill rate in tokens per minute. */
  readonly perMinute: number;
  /** Most keys tracked at once; beyond it, new keys share one overflow bucket. */
  readonly maxClients: number;
  /** Milliseconds, monotonic in production (performance.now); injectable for tests. */
  readonly now: () => number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until one more token (0 when the bucket is full). */
  readonly resetSeconds: number;
  /** Seconds until a refused client may retry (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/** How long the forced sweep at the cap is skipped after a sweep, so a flood cannot make every request O(n). */
const MIN_MS_BETWEEN_FORCED_SWEEPS = 1000;
/** Slack (1 ns) when comparing times: `(now + x) - now` can exceed `x` by a rounding error, which must not cost a token. */
const TIME_EPSILON_MS = 1e-6;

/** A tracked client's state: one number, changed in place (a Map entry set per request costs a second lookup). */
interface Bucket {
  fullAt: number;
}

/**
 * Each key stores one number: the time at which its bucket will be full again ("fullAt", the GCRA form of a
 * token bucket). Tokens at time t are `burst - (fullAt - t) * rate`; taking one adds `1 / rate` to fullAt.
 * A full bucket is the same as no entry, so entries whose fullAt has passed are forgotten by `sweep()` (or, once
 * full for a while, by `sweepIdle()`), losslessly. Unlike the fixed windows of express-rate-limit,
 * @fastify/rate-limit and Flask-Limiter, there is no 2x burst at a window edge.
 *
 * Memory is capped at `maxClients` entries. At the cap, full buckets are swept first (they carry no state);
 * a bucket that is not full is never dropped, so nobody can reset their own limit by flooding the table.
 * If every tracked bucket is partly drained, new keys share a single overflow bucket: under a flood of
 * distinct addresses new clients are limited together rather than not at all.
 */
export class RateLimiter {
  readonly burst: number;
  readonly #msPerToken: number;
  readonly #capacityMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  #overflowFullAt = 0;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimitOptions) {
    if (options.perMinute <= 0) throw new RangeError('perMinute must be positive; disable the limiter instead');
    this.burst = options.burst;
    this.#msPerToken = 60_000 / options.perMinute;
    this.#capacityMs = this.burst * this.#msPerToken;
    this.#maxClients = options.maxClients;
    this.#now = options.now;
  }

  /** Seconds to refill an empty bucket: the `w` of RateLimit-Policy. */
  get windowSeconds(): number {
    return Math.ceil(this.#capacityMs / 1000);
  }

  get trackedClients(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `key` if there is one, at `now` (the request's arrival, read once for the request). */
  take(key: string, now: number = this.#now()): RateLimitDecision {
    const bucket = this.#buckets.get(key);
    let fullAt = bucket?.fullAt;
    let tracked = true;
    if (fullAt === undefined && this.#buckets.size >= this.#maxClients) {
      this.#sweepAtCap(now);
      tracked = this.#buckets.size < this.#maxClients;
      if (!tracked) fullAt = this.#overflowFullAt;
    }
    const start = fullAt === undefined || fullAt < now ? now : fullAt;
    const debtBeforeMs = start - now;
    if (debtBeforeMs + this.#msPerToken > this.#capacityMs + TIME_EPSILON_MS) {
      // Not enough for one token: nothing is taken, nothing is stored.
      const wait = this.#secondsToNextToken((this.#capacityMs - debtBeforeMs) / this.#msPerToken);
      return { allowed: false, remaining: 0, resetSeconds: wait, retryAfterSeconds: wait };
    }
    const next = start + this.#msPerToken;
    if (bucket !== undefined) bucket.fullAt = next;
    else if (tracked) this.#buckets.set(key, { fullAt: next });
    else this.#overflowFullAt = next;
    // After taking a token the bucket is never full, so the next token is always some seconds away.
    const tokens = (this.#capacityMs - debtBeforeMs - this.#msPerToken) / this.#msPerToken;
    return { allowed: true, remaining: Math.floor(tokens + 1e-9), resetSeconds: this.#secondsToNextToken(tokens), retryAfterSeconds: 0 };
  }

  /** Forgets every full bucket (no state is lost: a full bucket is the default). */
  sweep(now: number = this.#now()): void {
    this.#lastSweep = now;
    this.sweepIdle(0, now);
  }

  /**
   * Forgets the buckets that have been full for at least `idleMs`: the periodic clean-up. A client seen again within
   * that time finds its entry instead of adding it back (a Map insertion, later a deletion, and garbage for the
   * collector, on every return; callgrind). At the cap, the forced sweep still forgets every full bucket.
   */
  sweepIdle(idleMs: number, now: number = this.#now()): void {
    const fullSince = now - idleMs;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.fullAt <= fullSince) this.#buckets.delete(key);
    }
  }

  #sweepAtCap(now: number): void {
    if (now - this.#lastSweep >= MIN_MS_BETWEEN_FORCED_SWEEPS) this.sweep(now);
  }

  /** Whole seconds (at least 1) until the fractional token count reaches the next whole token. */
  #secondsToNextToken(tokens: number): number {
    const missing = Math.floor(tokens + 1e-9) + 1 - tokens;
    return Math.max(1, Math.ceil((missing * this.#msPerToken) / 1000 - 1e-9));
  }
}

/** Most entries of the table of RateLimit values ((burst + 1) × (window + 1)); the defaults, 100 and 60 s, need 6 161. */
const MAX_MEMOISED_VALUES = 8192;

/**
 * The RateLimit field value `"default";r=<remaining>;t=<reset>` for a decision. Building it costs a join and a
 * flatten on every response (about 700 instructions, callgrind), yet both numbers are small bounded integers
 * (remaining ≤ burst, reset ≤ window), so each value is built once, on first use, into a table indexed by the pair,
 * and a response costs an array read. When burst × window is too large for the table, the last value is remembered
 * instead: it is what a client far from its limit gets every time (burst - 1, the seconds to one token).
 */
export function rateLimitValues(burst: number, windowSeconds: number): (remaining: number, resetSeconds: number) => string {
  const resetSpan = windowSeconds + 1;
  const size = (burst + 1) * resetSpan;
  const table: Array<string | undefined> | undefined = size <= MAX_MEMOISED_VALUES ? new Array<string | undefined>(size) : undefined;
  let lastRemaining = -1;
  let lastReset = -1;
  let lastValue = '';
  return (remaining, resetSeconds) => {
    if (table !== undefined && remaining <= burst && resetSeconds < resetSpan) {
      const index = remaining * resetSpan + resetSeconds;
      return (table[index] ??= rateLimitValue(remaining, resetSeconds));
    }
    if (remaining !== lastRemaining || resetSeconds !== lastReset) {
      lastRemaining = remaining;
      lastReset = resetSeconds;
      lastValue = rateLimitValue(remaining, resetSeconds);
    }
    return lastValue;
  };
}

/**
 * join() yields one flat string; a template literal is a rope that node:http's header-value check must flatten
 * through a slower regular-expression path.
 */
function rateLimitValue(remaining: number, resetSeconds: number): string {
  return ['"default";r=', remaining, ';t=', resetSeconds].join('');
}

/** The limiter as a pipeline stage: RateLimit fields on every limited response, 429 problem+json when empty. */
export function createRateLimitStage(
  limiter: RateLimiter,
  /** The request's key (rate-limit-key.ts). */
  keyOf: (exchange: Exchange) => string,
  responder: Responder,
): Stage {
  // IETF draft-ietf-httpapi-ratelimit-headers (-08 to -11 syntax): q = quota, w = seconds to refill it.
  const policy = `"default";q=${limiter.burst};w=${limiter.windowSeconds}`;
  const valueOf = rateLimitValues(limiter.burst, limiter.windowSeconds);
  const quotaExceeded = problemBody(
    429,
    'This client has used its request quota; retry after the number of seconds in Retry-After.',
    'https://iana.org/assignments/http-problem-types#quota-exceeded',
    { 'violated-policies': ['default'] },
  );

  return function rateLimit(exchange: Exchange): boolean {
    // ALB health checks come from a few load-balancer nodes; a 429 would take healthy tasks out of service.
    if (exchange.path === HEALTH_PATH) return false;
    const decision = limiter.take(keyOf(exchange), exchange.startedAt);
    exchange.headers.push('RateLimit-Policy', policy, 'RateLimit', valueOf(decision.remaining, decision.resetSeconds));
    if (decision.allowed) return false;
    exchange.headers.push('Retry-After', String(decision.retryAfterSeconds));
    responder.send(exchange, 429, quotaExceeded);
    return true;
  };
}
