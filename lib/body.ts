// Response bodies: JSON documents and RFC 9457 problem details, serialised once where they are constant.
import { STATUS_CODES } from 'node:http';

export interface Body {
  readonly bytes: Buffer;
  /** Content-Type and Content-Length as a flat [name, value, ...] array, built once for `writeHead`. */
  readonly headers: readonly string[];
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

function body(bytes: Buffer, contentType: string): Body {
  return { bytes, headers: ['Content-Type', contentType, 'Content-Length', String(bytes.length)] };
}

export function jsonBody(value: unknown): Body {
  return body(Buffer.from(JSON.stringify(value)), JSON_TYPE);
}

/** An RFC 9457 problem document; never carries a stack trace or request data beyond what the caller passes. */
export function problemBody(status: number, detail: string, type?: string, extensions: Record<string, unknown> = {}): Body {
  const document: Record<string, unknown> = {};
  if (type !== undefined) document.type = type;
  document.title = STATUS_CODES[status] ?? 'Error';
  document.status = status;
  document.detail = detail;
  Object.assign(document, extensions);
  return body(Buffer.from(JSON.stringify(document)), PROBLEM_TYPE);
}

/** The largest request body read (the routes take none); a longer one is answered 413 without being buffered. */
export const MAX_BODY_BYTES = 1024;
/** More header lines than this get 431; node:http's own limit is off (it drops the extra lines silently on Node 20). */
export const MAX_HEADER_COUNT = 100;

/** The constant problem documents, built once. */
export const PROBLEMS = {
  badRequest: problemBody(400, 'The request could not be parsed.'),
  missingHost: problemBody(400, 'HTTP/1.1 requests must carry a Host header.'),
  duplicateHost: problemBody(400, 'A request must carry exactly one Host header with one host[:port].'),
  asteriskForm: problemBody(400, 'The request target * is only valid for OPTIONS.'),
  badTarget: problemBody(400, 'The request target must be a path, or an http(s)://host[:port] URL.'),
  connectNotSupported: problemBody(405, 'CONNECT is not supported: this server is not a proxy.'),
  notFound: problemBody(404, 'There is no resource at this path.'),
  requestTimeout: problemBody(408, 'The request was not received in time.'),
  payloadTooLarge: problemBody(413, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
  expectationFailed: problemBody(417, 'The only expectation this server meets is Expect: 100-continue.'),
  headersTooLarge: problemBody(431, 'The request headers are too large.'),
  tooManyHeaders: problemBody(431, `Requests are limited to ${MAX_HEADER_COUNT} header lines.`),
  internalError: problemBody(500, 'The server failed to answer this request; it has been logged.'),
  connectionLimit: problemBody(503, 'The server has too many open connections; retry shortly.'),
  versionNotSupported: problemBody(505, 'This server speaks HTTP/1.0 and HTTP/1.1.'),
} as const;
