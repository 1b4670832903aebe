// Answers requests Node's parser rejects (malformed, headers too large, too slow) with problem+json on the raw socket.
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { PROBLEMS, type Body } from './body.ts';
import type { Logger } from './log.ts';

interface ParserError extends Error {
  code?: string;
}

/**
 * There is no ServerResponse for a request the parser rejected, so the documented way
 * (node docs, 'clientError' event) is to write a complete response to the socket and end it.
 * Each response is built once; only the Date line is added per error.
 */
export function createClientErrorHandler(
  securityHeaders: ReadonlyArray<readonly [string, string]>,
  log: Logger,
): (error: ParserError, socket: Duplex) => void {
  const build = (status: number, body: Body): { head: string; body: Buffer } => {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`;
    for (const [name, value] of securityHeaders) head += `${name}: ${value}\r\n`;
    for (let i = 0; i < body.headers.length; i += 2) head += `${body.headers[i]}: ${body.headers[i + 1]}\r\n`;
    head += 'Connection: close\r\n';
    return { head, body: body.bytes };
  };
  const badRequest = build(400, PROBLEMS.badRequest);
  const timeout = build(408, PROBLEMS.requestTimeout);
  const tooLarge = build(431, PROBLEMS.headersTooLarge);
  const bodyTooLarge = build(413, PROBLEMS.payloadTooLarge);

  return function onClientError(error: ParserError, socket: Duplex): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    let response = badRequest;
    let status = 400;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      response = tooLarge;
      status = 431;
    } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      response = timeout;
      status = 408;
    } else if (error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
      response = bodyTooLarge;
      status = 413;
    }
    log.info('client error', { code: error.code ?? 'unknown', status });
    socket.write(`${response.head}Date: ${new Date().toUTCString()}\r\n\r\n`);
    socket.end(response.body);
  };
}
