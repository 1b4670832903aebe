// Pure parsers for the load generators' reports: wrk's text (with --latency) and autocannon's JSON result.

/** One load round as every generator reports it. */
export interface LoadResult {
  /** Completed requests (any status). */
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses outside 2xx/3xx (a 429 from a limiter shows up here). */
  readonly non2xx: number;
  /** Connect/read/write errors and timeouts. */
  readonly errors: number;
}

const TIME_UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "2.27ms" → 2.27, "850.00us" → 0.85, "1.02s" → 1020. */
export function parseWrkTime(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(text.trim());
  if (match === null) throw new Error(`unreadable wrk time "${text}": expected a number with us|ms|s|m|h`);
  return Number(match[1]) * (TIME_UNIT_MS[match[2] ?? ''] ?? Number.NaN);
}

function requiredMatch(report: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(report);
  if (match === null) throw new Error(`wrk report has no ${what} line; is this the output of "wrk --latency"?`);
  return match;
}

/** Parses `wrk --latency` output; throws naming the missing line when the report is not one. */
export function parseWrkReport(report: string): LoadResult {
  const summary = requiredMatch(report, /^\s*(\d+) requests in ([\d.]+(?:us|ms|s|m|h)),/m, '"N requests in T"');
  const rate = requiredMatch(report, /^Requests\/sec:\s+([\d.]+)/m, '"Requests/sec:"');
  const p50 = requiredMatch(report, /^\s*50(?:\.0+)?%\s+(\S+)/m, '50% latency');
  const p99 = requiredMatch(report, /^\s*99(?:\.0+)?%\s+(\S+)/m, '99% latency');
  const non2xx = /^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(report);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  let errors = 0;
  if (socketErrors !== null) {
    for (const count of socketErrors.slice(1)) errors += Number(count);
  }
  return {
    requests: Number(summary[1]),
    durationSeconds: parseWrkTime(summary[2] ?? '') / 1000,
    requestsPerSecond: Number(rate[1]),
    p50Ms: parseWrkTime(p50[1] ?? ''),
    p99Ms: parseWrkTime(p99[1] ?? ''),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    errors,
  };
}

function numberAt(value: unknown, path: readonly string[]): number {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return Number.NaN;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'number' ? current : Number.NaN;
}

/**
 * Parses autocannon's JSON result (`--json`, or the programmatic API's result object). Requests per second is
 * total / duration, like wrk's, rather than autocannon's average of per-second samples.
 */
export function parseAutocannonResult(json: string): LoadResult {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('autocannon result is not JSON; expected the object printed by autocannon --json');
  }
  const requests = numberAt(value, ['requests', 'total']);
  const durationSeconds = numberAt(value, ['duration']);
  if (!Number.isFinite(requests) || !(durationSeconds > 0)) {
    throw new Error('autocannon result lacks requests.total or duration; expected the object printed by autocannon --json');
  }
  return {
    requests,
    durationSeconds,
    requestsPerSecond: requests / durationSeconds,
    p50Ms: numberAt(value, ['latency', 'p50']),
    p99Ms: numberAt(value, ['latency', 'p99']),
    non2xx: numberAt(value, ['non2xx']) || 0,
    errors: (numberAt(value, ['errors']) || 0) + (numberAt(value, ['timeouts']) || 0),
  };
}
