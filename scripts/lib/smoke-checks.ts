// The smoke checks for a deployed service: `/` and `/health` answer as the service does, with its security headers.
import { securityHeaders } from '../../lib/security-headers.ts';
import { HEALTH_PATH } from '../../lib/service-state.ts';
import { joinUrl, jsonObject, probe, type ProbeResult } from './http-probe.ts';

/** 180 days: the floor the HSTS preload list and scanners (MDN Observatory) accept; the service defaults to 2 years. */
export const MIN_HSTS_MAX_AGE = 15_552_000;
/** Headers that advertise the stack; the service sends neither and the ALB adds neither. */
const FORBIDDEN_HEADERS = ['server', 'x-powered-by'] as const;

export interface SmokeOptions {
  /** The service's public base URL, e.g. https://hello.example.com. */
  readonly url: string;
  /** When set, /health must report exactly this `version`. */
  readonly expectVersion?: string;
  /** When set, /health must report exactly this `commit` (the image tag). */
  readonly expectCommit?: string;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed (empty when ok). */
  readonly detail: string;
}

function check(name: string, ok: boolean, detail: string): CheckResult {
  return { name, ok, detail: ok ? '' : detail };
}

/** How much of a body or header value a failure line shows, so that every failed check stays one readable line. */
export const MAX_QUOTED_CHARS = 120;
/** Control characters (C0, DEL, C1) and the Unicode line separators: what could break the line or drive the terminal. */
const CONTROL_CHAR = /^[\p{Cc}\u2028\u2029]$/u;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One character as shown: a control character escaped (\n, \u0085); inside quotes, `"` and `\` escaped too. */
function escapeChar(char: string, inQuotes: boolean): string {
  if (CONTROL_CHAR.test(char)) return SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  if (inQuotes && (char === '"' || char === '\\')) return `\\${char}`;
  return char;
}

/**
 * `text` escaped, up to MAX_QUOTED_CHARS characters as shown (an escape is never split, nor a surrogate pair),
 * followed by the full length when it was cut.
 */
function shorten(text: string, inQuotes: boolean): { readonly shown: string; readonly rest: string } {
  let shown = '';
  for (const char of text) {
    const piece = escapeChar(char, inQuotes);
    if (shown.length + piece.length > MAX_QUOTED_CHARS) return { shown, rest: `… (${text.length} characters)` };
    shown += piece;
  }
  return { shown, rest: '' };
}

/** A response body on one line, cut after MAX_QUOTED_CHARS. */
export function excerpt(body: string): string {
  if (body === '') return 'an empty body';
  const { shown, rest } = shorten(body, false);
  return `${shown}${rest}`;
}

/** A header value (or other string) in quotes on one line, cut like `excerpt`. */
export function quoted(value: string): string {
  const { shown, rest } = shorten(value, true);
  return `"${shown}"${rest}`;
}

function headerValue(value: string | null): string {
  return value === null ? 'no such header' : quoted(value);
}

/** What /health said for `field`: its JSON value, or that it is missing. */
function reported(body: Record<string, unknown> | undefined, field: string): string {
  if (body === undefined) return 'a body that is not a JSON object';
  return Object.hasOwn(body, field) ? excerpt(JSON.stringify(body[field])) : `no ${field} field`;
}

export function hstsMaxAge(value: string | null): number | undefined {
  const match = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)/i.exec(value ?? '');
  return match === null ? undefined : Number(match[1]);
}

/** Every header of the service's security block, with HSTS judged by a floor rather than the exact configured value. */
export function headerChecks(path: string, headers: Headers, https: boolean): CheckResult[] {
  const results: CheckResult[] = [];
  for (const [name, expected] of securityHeaders()) {
    const actual = headers.get(name);
    if (name === 'Strict-Transport-Security') {
      // Browsers ignore HSTS over plain HTTP (RFC 6797 §8.1), so it only matters for https URLs.
      if (!https) continue;
      const maxAge = hstsMaxAge(actual);
      results.push(check(`${path} ${name}`, maxAge !== undefined && maxAge >= MIN_HSTS_MAX_AGE, `expected max-age >= ${MIN_HSTS_MAX_AGE}, got ${headerValue(actual)}`));
      continue;
    }
    results.push(check(`${path} ${name}`, actual === expected, `expected ${quoted(expected)}, got ${headerValue(actual)}`));
  }
  for (const name of FORBIDDEN_HEADERS) {
    const actual = headers.get(name);
    results.push(check(`${path} no ${name} header`, actual === null, `present: ${headerValue(actual)}`));
  }
  return results;
}

function reachable(path: string, result: ProbeResult): CheckResult {
  return check(`${path} reachable`, result.kind === 'response', result.kind === 'failed' ? excerpt(result.reason) : '');
}

export async function runSmokeChecks(options: SmokeOptions): Promise<CheckResult[]> {
  const https = new URL(options.url).protocol === 'https:';
  const results: CheckResult[] = [];

  const root = await probe(joinUrl(options.url, '/'));
  results.push(reachable('/', root));
  if (root.kind === 'response') {
    const body = jsonObject(root.body);
    results.push(check('/ status', root.status === 200, `expected 200, got ${root.status}`));
    results.push(check('/ body', body?.message === 'Hello, World', `expected {"message":"Hello, World"}, got ${excerpt(root.body)}`));
    results.push(...headerChecks('/', root.headers, https));
  }

  const health = await probe(joinUrl(options.url, HEALTH_PATH));
  results.push(reachable(HEALTH_PATH, health));
  if (health.kind === 'response') {
    const body = jsonObject(health.body);
    results.push(check(`${HEALTH_PATH} status`, health.status === 200, `expected 200, got ${health.status} ${excerpt(health.body)}`));
    results.push(check(`${HEALTH_PATH} body`, body?.status === 'ok' && typeof body.version === 'string', `expected {"status":"ok","version":"…"}, got ${excerpt(health.body)}`));
    if (options.expectVersion !== undefined) {
      results.push(check(`${HEALTH_PATH} version`, body?.version === options.expectVersion, `expected ${quoted(options.expectVersion)}, got ${reported(body, 'version')}`));
    }
    if (options.expectCommit !== undefined) {
      results.push(check(`${HEALTH_PATH} commit`, body?.commit === options.expectCommit, `expected ${quoted(options.expectCommit)}, got ${reported(body, 'commit')}`));
    }
    results.push(...headerChecks(HEALTH_PATH, health.headers, https));
  }
  return results;
}

/** One line per failed check, then a one-line verdict. */
export function printSmokeResults(url: string, results: readonly CheckResult[], write: (line: string) => void): void {
  const failed = results.filter((result) => !result.ok);
  for (const result of failed) write(`FAIL ${result.name}: ${result.detail}`);
  write(failed.length === 0 ? `smoke: all ${results.length} checks passed for ${url}` : `smoke: ${failed.length} of ${results.length} checks failed for ${url}`);
}
