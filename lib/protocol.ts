// Pipeline stages: the rules of RFC 9112 that Node leaves to the service: HTTP version, header count, Host, target forms.
import { MAX_HEADER_COUNT, PROBLEMS } from './body.ts';
import { splitTarget, type Exchange, type Stage } from './exchange.ts';
import { isValidHost } from './host.ts';
import type { Responder } from './respond.ts';

/** An absolute-form target split into its authority and the origin-form parts. */
export interface AbsoluteTarget {
  readonly authority: string;
  readonly path: string;
  readonly query: string;
}

/**
 * `http://host[:port]/path?query` (RFC 9112 §3.2.2), scheme case-insensitive, path kept as sent (no dot-segment
 * removal, so it routes exactly as the same origin-form target would). Undefined for any other scheme, for userinfo
 * (RFC 9110 §4.2.4: treated as an error) and for an authority that is not a valid host[:port].
 */
export function parseAbsoluteTarget(target: string): AbsoluteTarget | undefined {
  const schemeEnd = target.indexOf('://');
  if (schemeEnd === -1) return undefined;
  const scheme = target.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const afterScheme = schemeEnd + 3;
  let authorityEnd = target.length;
  for (let index = afterScheme; index < target.length; index++) {
    const code = target.charCodeAt(index);
    if (code === 0x2f /* / */ || code === 0x3f /* ? */) {
      authorityEnd = index;
      break;
    }
  }
  const authority = target.slice(afterScheme, authorityEnd);
  if (!isValidHost(authority)) return undefined;
  // An empty path is "/" (RFC 9112 §3.2.1).
  const rest = target.slice(authorityEnd);
  const { path, query } = splitTarget(rest.startsWith('/') ? rest : `/${rest}`);
  return { authority, path, query };
}

/**
 * Answers, with Connection: close, as the connection's state is in doubt:
 * - a version other than HTTP/1.x (HTTP/0.9 request lines, "HTTP/2.0" in an HTTP/1 request line): 505;
 * - more than MAX_HEADER_COUNT header lines: 431.
 */
export function createProtocolStage(responder: Responder): Stage {
  return function protocol(exchange: Exchange): boolean {
    const { req } = exchange;
    if (req.httpVersionMajor !== 1) {
      exchange.closeConnection = true;
      responder.send(exchange, 505, PROBLEMS.versionNotSupported);
      return true;
    }
    if (req.rawHeaders.length > 2 * MAX_HEADER_COUNT) {
      exchange.closeConnection = true;
      responder.send(exchange, 431, PROBLEMS.tooManyHeaders);
      return true;
    }
    return false;
  };
}

/**
 * Answers 400, with Connection: close, an HTTP/1.1 request without Host, or with more than one Host line
 * (RFC 9112 §3.2). The server joins repeated header lines with ", " (RFC 9110 §5.3), so a comma in Host means two
 * lines, or an invalid value. HTTP/1.0 may leave Host out.
 */
export function createHostStage(responder: Responder): Stage {
  return function requireHost(exchange: Exchange): boolean {
    const { req } = exchange;
    const { host } = req.headers;
    if (host === undefined ? req.httpVersionMinor !== 0 : host.includes(',')) {
      exchange.closeConnection = true;
      responder.send(exchange, 400, host === undefined ? PROBLEMS.missingHost : PROBLEMS.duplicateHost);
      return true;
    }
    return false;
  };
}

/**
 * The request-target forms other than a path (RFC 9112 §3.2):
 * - asterisk-form: OPTIONS * is 204 with Allow (`allow`, the server's methods), any other method 400 (§3.2.4);
 * - absolute-form: routed by its path, and its authority replaces Host, which the origin server must ignore
 *   (§3.2.2; nginx and Envoy do the same); a target that is not http(s)://host[:port]... is a 400 with
 *   Connection: close.
 */
export function createTargetStage(allow: string, responder: Responder): Stage {
  return function targetForm(exchange: Exchange): boolean {
    // Origin-form, the usual case, starts with "/".
    if (exchange.path.charCodeAt(0) === 0x2f) return false;
    return otherTargetForm(exchange, allow, responder);
  };
}

function otherTargetForm(exchange: Exchange, allow: string, responder: Responder): boolean {
  if (exchange.path === '*' && exchange.query === '') {
    if (exchange.method !== 'OPTIONS') {
      responder.send(exchange, 400, PROBLEMS.asteriskForm);
      return true;
    }
    exchange.headers.push('Allow', allow);
    responder.send(exchange, 204, null);
    return true;
  }
  const target = parseAbsoluteTarget(exchange.path + exchange.query);
  if (target === undefined) {
    exchange.closeConnection = true;
    responder.send(exchange, 400, PROBLEMS.badTarget);
    return true;
  }
  exchange.req.headers.host = target.authority;
  exchange.path = target.path;
  exchange.query = target.query;
  return false;
}
