// Writes a response: the precomputed security header block, the stages' headers and the body, in one writeHead.
import { randomUUID } from 'node:crypto';
import type { Body } from './body.ts';
import type { Exchange } from './exchange.ts';
import type { Logger } from './log.ts';

/** Whether the service is draining for shutdown; read on every response. */
export interface ServiceState {
  draining: boolean;
}

/** Longest request id kept from X-Amzn-Trace-Id; the ALB's own ids are far shorter. */
const MAX_REQUEST_ID_LENGTH = 200;
/** The length header of a response without a body (204, 3xx). */
const NO_BODY_HEADERS: readonly string[] = ['Content-Length', '0'];

export class Responder {
  readonly #baseHeaders: readonly string[];
  readonly #log: Logger;
  readonly #state: ServiceState;

  /** `securityHeaders` are [name, value] pairs, flattened once here for `writeHead(status, array)`. */
  constructor(securityHeaders: ReadonlyArray<readonly [string, string]>, log: Logger, state: ServiceState) {
    const flat: string[] = [];
    for (const [name, value] of securityHeaders) flat.push(name, value);
    this.#baseHeaders = flat;
    this.#log = log;
    this.#state = state;
  }

  /** Sends the status with the body (or none, for 204/3xx). HEAD gets the same headers and no body. */
  send(exchange: Exchange, status: number, body: Body | null): void {
    // One array of the final size in one step: the constant blocks are built once (security headers here, per body in body.ts).
    const headers = this.#baseHeaders.concat(exchange.headers, body === null ? NO_BODY_HEADERS : body.headers);
    const length = body === null ? 0 : body.bytes.length;
    if (exchange.closeConnection || this.#state.draining) headers.push('Connection', 'close');
    const { res } = exchange;
    res.writeHead(status, headers);
    if (body === null || exchange.method === 'HEAD') res.end();
    else res.end(body.bytes);
    if (this.#log.accessEnabled) this.#logAccess(exchange, status, exchange.method === 'HEAD' ? 0 : length);
  }

  #logAccess(exchange: Exchange, status: number, bytes: number): void {
    const durationMs = Math.round((performance.now() - exchange.startedAt) * 1000) / 1000;
    const traceId = exchange.req.headers['x-amzn-trace-id'];
    const requestId = typeof traceId === 'string' && traceId !== '' ? traceId.slice(0, MAX_REQUEST_ID_LENGTH) : randomUUID();
    this.#log.access(
      `"method":${JSON.stringify(exchange.method)},"path":${JSON.stringify(exchange.path)},"status":${status},` +
        `"duration_ms":${durationMs},"client":${JSON.stringify(exchange.client)},` +
        `"request_id":${JSON.stringify(requestId)},"bytes":${bytes}`,
    );
  }
}
