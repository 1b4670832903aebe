// Answers requests Node's parser rejects (malformed, headers too large, too slow) with problem+json on the raw socket.
import type { Duplex } from 'node:stream';
import { PROBLEMS } from './body.ts';
import type { Logger } from './log.ts';
import { rawResponse, sendRaw, type RawResponse } from './raw-response.ts';

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
  const badRequest = rawResponse(400, securityHeaders, PROBLEMS.badRequest);
  const byCode = new Map<string, RawResponse>([
    ['HPE_HEADER_OVERFLOW', rawResponse(431, securityHeaders, PROBLEMS.headersTooLarge)],
    ['ERR_HTTP_REQUEST_TIMEOUT', rawResponse(408, securityHeaders, PROBLEMS.requestTimeout)],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', rawResponse(413, securityHeaders, PROBLEMS.payloadTooLarge)],
  ]);

  return function onClientError(error: ParserError, socket: Duplex): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = error.code ?? 'unknown';
    sendRaw(socket, byCode.get(code) ?? badRequest, log, { method: null, path: null, reason: code });
  };
}
