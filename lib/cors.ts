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
  const origins = new Set(wildcard ? [] : options.allowedOrigins);
  const allowHeaders = new Set(options.allowHeaders);
  const refused = problemBody(403, 'This cross-origin request is not allowed.');

  const actualHeaders = (origin: string): string[] => {
    const headers = ['Access-Control-Allow-Origin', wildcard ? '*' : origin];
    if (options.allowCredentials) headers.push('Access-Control-Allow-Credentials', 'true');
    headers.push('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return headers;
  };
  const wildcardHeaders = actualHeaders('*');
  const headersByOrigin = new Map<string, string[]>();
  for (const origin of origins) headersByOrigin.set(origin, actualHeaders(origin));

  const preflightHeaders = (origin: string): string[] => {
    const headers = ['Access-Control-Allow-Origin', wildcard ? '*' : origin];
    if (options.allowCredentials) headers.push('Access-Control-Allow-Credentials', 'true');
    headers.push('Access-Control-Allow-Methods', ALLOWED_METHODS.join(', '));
    if (options.allowHeaders.length > 0) headers.push('Access-Control-Allow-Headers', options.allowHeaders.join(', '));
    headers.push('Access-Control-Max-Age', String(options.maxAge));
    return headers;
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
    if (!wildcard) exchange.headers.push('Vary', 'Origin');
    const originHeaders = origin === undefined ? undefined : headersByOrigin.get(origin);
    const allowed = origin !== undefined && (wildcard || originHeaders !== undefined);
    const requestedMethod = headers['access-control-request-method'];

    if (exchange.method === 'OPTIONS' && origin !== undefined && requestedMethod !== undefined) {
      const requestedHeaders = headers['access-control-request-headers'];
      if (allowed && ALLOWED_METHODS.includes(requestedMethod) && requestedHeadersAllowed(requestedHeaders)) {
        exchange.headers.push(...preflightHeaders(origin));
        responder.send(exchange, 204, null);
      } else {
        responder.send(exchange, 403, refused);
      }
      return true;
    }

    if (wildcard) exchange.headers.push(...wildcardHeaders);
    else if (originHeaders !== undefined) exchange.headers.push(...originHeaders);
    return false;
  };
}
