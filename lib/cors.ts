// Pipeline stage: CORS with an exact-match origin allow-list, preflights answered here at no rate-limit cost.
import { problemBody } from './body.ts';
import type { Exchange, Stage } from './exchange.ts';
import type { Responder } from './respond.ts';

export interface CorsOptions {
  readonly allowedOrigins: readonly string[] | '*';
  readonly allowHeaders: readonly string[];
  readonly maxAge: number;
  readonly allowCredentials: boolean;
}

/** The methods this service answers; GET and HEAD are CORS-safelisted, OPTIONS is listed for completeness. */
const ALLOWED_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** Browsers only let scripts read these when they are exposed (Fetch standard, CORS-safelisted response headers). */
const EXPOSED_HEADERS = 'RateLimit, RateLimit-Policy, Retry-After';

/**
 * Exact, case-sensitive origin matching (Fetch: the CORS check compares bytes); no regex, no suffixes, no
 * reflection of unknown origins. `Vary: Origin` goes on every response unless the list is '*', so a cache never
 * hands one origin's answer to another (expressjs/cors #106). A refused preflight is a 403 without CORS headers
 * (OWASP secure headers guidance); a disallowed origin on an actual request simply gets no CORS headers.
 */
export function createCorsStage(options: CorsOptions, responder: Responder): Stage {
  const wildcard = options.allowedOrigins === '*';
  const allowHeaders = new Set(options.allowHeaders);
  const refused = problemBody(403, 'This cross-origin request is not allowed.');

  /** Allow-Origin (and Allow-Credentials) followed by `rest`, for one Allow-Origin value. */
  const withAllowOrigin = (allowOrigin: string, rest: readonly string[]): string[] => {
    const headers = ['Access-Control-Allow-Origin', allowOrigin];
    if (options.allowCredentials) headers.push('Access-Control-Allow-Credentials', 'true');
    headers.push(...rest);
    return headers;
  };
  const actualRest = ['Access-Control-Expose-Headers', EXPOSED_HEADERS];
  const preflightRest = ['Access-Control-Allow-Methods', ALLOWED_METHODS.join(', ')];
  if (options.allowHeaders.length > 0) preflightRest.push('Access-Control-Allow-Headers', options.allowHeaders.join(', '));
  preflightRest.push('Access-Control-Max-Age', String(options.maxAge));

  // Built once per allowed origin (or once for '*'); the hot path only looks them up.
  const byOrigin = new Map<string, { actual: string[]; preflight: string[] }>();
  for (const origin of wildcard ? ['*'] : options.allowedOrigins) {
    byOrigin.set(origin, { actual: withAllowOrigin(origin, actualRest), preflight: withAllowOrigin(origin, preflightRest) });
  }
  const wildcardHeaders = byOrigin.get('*');

  const requestedHeadersAllowed = (requested: string | undefined): boolean => {
    if (requested === undefined) return true;
    for (const raw of requested.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name !== '' && !allowHeaders.has(name)) return false;
    }
    return true;
  };

  return function cors(exchange: Exchange): boolean {
    const { headers } = exchange.req;
    const origin = headers.origin;
    if (!wildcard) exchange.headers.push('Vary', 'Origin');
    const allowed = origin === undefined ? undefined : (wildcardHeaders ?? byOrigin.get(origin));
    const requestedMethod = headers['access-control-request-method'];

    if (exchange.method === 'OPTIONS' && origin !== undefined && requestedMethod !== undefined) {
      const requestedHeaders = headers['access-control-request-headers'];
      if (allowed !== undefined && ALLOWED_METHODS.includes(requestedMethod) && requestedHeadersAllowed(requestedHeaders)) {
        exchange.headers.push(...allowed.preflight);
        responder.send(exchange, 204, null);
      } else {
        responder.send(exchange, 403, refused);
      }
      return true;
    }

    // With '*' every response carries the wildcard headers, Origin or not (Fetch: a static answer needs no Vary).
    const actual = wildcardHeaders ?? allowed;
    if (actual !== undefined) exchange.headers.push(...actual.actual);
    return false;
  };
}
