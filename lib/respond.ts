// Writes a response: the precomputed security header block, the stages' headers and the body, in one writeHead.
import type { Body } from './body.ts';
import { appendHeaders, type Exchange } from './exchange.ts';
import { servedMembers, type Logger } from './log.ts';
import type { ServiceState } from './service-state.ts';

/** Longest request id kept from X-Amzn-Trace-Id; the ALB's own ids are far shorter. */
const MAX_REQUEST_ID_LENGTH = 200;
/** The length header of a response without a body (204, 3xx). */
const NO_BODY_HEADERS: readonly string[] = ['Content-Length', '0'];

export class Responder {
  readonly #baseHeaders: readonly string[];
  readonly #log: Logger;
  readonly #state: ServiceState;
  readonly #clock: () => number;

  /**
   * `securityHeaders` are [name, value] pairs, flattened once here for `writeHead(status, array)`; `clock` is the one
   * that set each exchange's `startedAt`, for the access line's duration.
   */
  constructor(securityHeaders: ReadonlyArray<readonly [string, string]>, log: Logger, state: ServiceState, clock: () => number) {
    const flat: string[] = [];
    for (const [name, value] of securityHeaders) flat.push(name, value);
    this.#baseHeaders = flat;
    this.#log = log;
    this.#state = state;
    this.#clock = clock;
  }

  /**
   * A new exchange's headers: a copy of the security block, to which stages and then `send` append. One array per
   * request, copied once (slice copies in one step); a second array for the stages' headers cost its growth and its
   * copy into this one (callgrind).
   */
  newHeaders(): string[] {
    return this.#baseHeaders.slice();
  }

  /** Drops whatever headers stages added (before a 500), keeping the security block. */
  dropStageHeaders(exchange: Exchange): void {
    exchange.headers.length = this.#baseHeaders.length;
  }

  /** Sends the status with the body (or none, for 204/3xx). HEAD gets the same headers and no body. */
  send(exchange: Exchange, status: number, body: Body | null): void {
    const { headers } = exchange;
    // The body's block is built once (body.ts) and appended by a plain loop (Array#concat is a runtime call).
    appendHeaders(headers, body === null ? NO_BODY_HEADERS : body.headers);
    const length = body === null ? 0 : body.bytes.length;
    const { res, connection } = exchange;
    // While draining, the connection closes after its last request in flight. Closing it after an earlier one would
    // drop the pipelined requests behind it, which Node has already parsed (node-http-edges: pipelining).
    if (exchange.closeConnection || (this.#state.draining && connection.inFlight === 1)) {
      headers.push('Connection', 'close');
      connection.closing = true;
    }
    res.writeHead(status, headers);
    if (body === null || exchange.method === 'HEAD') res.end();
    else res.end(body.bytes);
    connection.inFlight--;
    if (this.#log.accessEnabled) this.#logAccess(exchange, status, exchange.method === 'HEAD' ? 0 : length);
  }

  #logAccess(exchange: Exchange, status: number, bytes: number): void {
    const elapsedMs = this.#clock() - exchange.startedAt;
    const header = exchange.req.headers['x-amzn-trace-id'];
    const traceId = typeof header === 'string' && header !== '' ? header.slice(0, MAX_REQUEST_ID_LENGTH) : undefined;
    this.#log.access(servedMembers(exchange.method, exchange.path, status, elapsedMs, exchange.client, traceId, bytes));
  }
}
