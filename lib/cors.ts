// Pipeline stage: CORS with an exact-match origin allow-list, preflights answered here at no rate-limit cost.
import { problemBody } from './body.ts';
import { appendHeaders, type Exchange, type Stage } from './exchange.ts';
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
/** Up to this many allowed origins are compared one by one rather than looked up in a Map (see blocksOf). */
const MAX_SCANNED_ORIGINS = 8;

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

  // Every block is built once, `Vary: Origin` included (per allowed origin, or once for '*'); the hot path only looks them up.
  const vary: readonly string[] = wildcard ? [] : ['Vary', 'Origin'];
  const byOrigin = new Map<string, { actual: string[]; preflight: string[] }>();
  for (const origin of wildcard ? ['*'] : options.allowedOrigins) {
    byOrigin.set(origin, {
      actual: [...vary, ...withAllowOrigin(origin, actualRest)],
      preflight: [...vary, ...withAllowOrigin(origin, preflightRest)],
    });
  }
  const wildcardHeaders = byOrigin.get('*');
  const origins = [...byOrigin.keys()];
  const blocks = [...byOrigin.values()];

  /**
   * The blocks for an allowed origin. The Origin header is a new string on every request, so a Map lookup first
   * hashes all of it; a short list is compared instead, where a length that differs ends a comparison at once.
   */
  const blocksOf = (origin: string): { actual: string[]; preflight: string[] } | undefined => {
    if (origins.length > MAX_SCANNED_ORIGINS) return byOrigin.get(origin);
    for (let index = 0; index < origins.length; index++) {
      if (origins[index] === origin) return blocks[index];
    }
    return undefined;
  };

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
    // With '*' every response carries the wildcard headers, Origin or not (Fetch: a static answer needs no Vary).
    const allowed = wildcardHeaders ?? (origin === undefined ? undefined : blocksOf(origin));
    const requestedMethod = headers['access-control-request-method'];

    if (exchange.method === 'OPTIONS' && origin !== undefined && requestedMethod !== undefined) {
      const requestedHeaders = headers['access-control-request-headers'];
      if (allowed !== undefined && ALLOWED_METHODS.includes(requestedMethod) && requestedHeadersAllowed(requestedHeaders)) {
        appendHeaders(exchange.headers, allowed.preflight);
        responder.send(exchange, 204, null);
      } else {
        appendHeaders(exchange.headers, vary);
        responder.send(exchange, 403, refused);
      }
      return true;
    }

    appendHeaders(exchange.headers, allowed === undefined ? vary : allowed.actual);
    return false;
  };
}
