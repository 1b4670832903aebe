// Complete responses written straight to a socket, for answers that have no ServerResponse, each with its access line.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Body } from './body.ts';
import { normalizeAddress } from './ip.ts';
import { accessMembers, requestIdJson, type Logger } from './log.ts';

/**
 * How long a socket is kept after its raw answer has been sent, reading and discarding what the client still sends, so
 * that closing it does not reset a connection whose request is on its way (a reset can destroy the answer before the
 * client reads it). The client's own close ends it sooner. nginx calls this lingering close (lingering_timeout 5 s);
 * one second is many round trips behind a load balancer.
 */
const LINGER_MS = 1000;

/** A response built once: everything but the Date line. */
export interface RawResponse {
  readonly status: number;
  /** Status line and header lines, each ending in CRLF, without Date and without the blank line. */
  readonly head: string;
  readonly body: Buffer;
}

/**
 * Builds a response for `sendRaw`: the security headers, `extraHeaders` ([name, value, ...]), the body's headers and
 * `Connection: close`. A raw answer always closes the connection: there is no request parser state left to trust.
 */
export function rawResponse(
  status: number,
  securityHeaders: ReadonlyArray<readonly [string, string]>,
  body: Body,
  extraHeaders: readonly string[] = [],
): RawResponse {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`;
  for (const [name, value] of securityHeaders) head += `${name}: ${value}\r\n`;
  for (let i = 0; i < extraHeaders.length; i += 2) head += `${extraHeaders[i]}: ${extraHeaders[i + 1]}\r\n`;
  for (let i = 0; i < body.headers.length; i += 2) head += `${body.headers[i]}: ${body.headers[i + 1]}\r\n`;
  head += 'Connection: close\r\n';
  return { status, head, body: body.bytes };
}

/** Details of a raw answer for its access line; method and path are null when no request was parsed. */
export interface RawAnswerContext {
  readonly method: string | null;
  readonly path: string | null;
  /** Why the service answered this way, e.g. the parser's error code or "connection_limit". */
  readonly reason: string;
}

/**
 * Writes `response` with a fresh Date line, ends the socket and logs an access line with the reason. The socket is
 * destroyed when the client closes its side, or LINGER_MS after the answer, whichever comes first.
 */
export function sendRaw(socket: Duplex, response: RawResponse, log: Logger, context: RawAnswerContext): void {
  if (log.accessEnabled) {
    const client = normalizeAddress((socket as Partial<Socket>).remoteAddress ?? '');
    const members = accessMembers(context.method, context.path, response.status, null, client, requestIdJson(undefined), response.body.length);
    log.access(`${members},"reason":${JSON.stringify(context.reason)}`);
  }
  socket.write(`${response.head}Date: ${new Date().toUTCString()}\r\n\r\n`);
  socket.end(response.body);
  lingerThenClose(socket);
}

/** Keeps reading (and discarding) until the client closes or LINGER_MS passes, then destroys the socket. */
function lingerThenClose(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.resume();
}
