// Response bodies: JSON documents and RFC 9457 problem details, serialised once where they are constant.
import { STATUS_CODES } from 'node:http';

export interface Body {
  readonly bytes: Buffer;
  /** Content-Type and Content-Length as a flat [name, value, ...] array, built once for `writeHead`. */
  readonly headers: readonly string[];
}

export const JSON_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

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

/** The constant problem documents, built once. */
export const PROBLEMS = {
  badRequest: problemBody(400, 'The request could not be parsed.'),
  missingHost: problemBody(400, 'HTTP/1.1 requests must carry a Host header.'),
  notFound: problemBody(404, 'There is no resource at this path.'),
  requestTimeout: problemBody(408, 'The request was not received in time.'),
  payloadTooLarge: problemBody(413, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
  headersTooLarge: problemBody(431, 'The request headers are too large.'),
  internalError: problemBody(500, 'The server failed to answer this request; it has been logged.'),
} as const;
