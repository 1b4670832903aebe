// The per-request state that pipeline stages read and extend, and the shape of a stage.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connection } from './connections.ts';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The request path without the query string (an absolute-form target's path once the protocol stage has run). */
  path: string;
  /** The query string including its leading '?', or ''. */
  query: string;
  /** When the request arrived, on the service's clock (performance.now() unless a test injects one; app.ts). */
  readonly startedAt: number;
  /** The client's address: the socket peer, or the forwarded client once the client-IP stage has run. */
  client: string;
  /** X-Forwarded-Proto as a trusted proxy reported it ('http' or 'https'), else undefined. */
  forwardedProto: string | undefined;
  /**
   * The response's headers, flat: [name, value, name, value, ...]: the security block (Responder#newHeaders), then
   * what stages add. The response appends its body's own.
   */
  readonly headers: string[];
  /** Set when this response must end the connection (for example a body over the limit). */
  closeConnection: boolean;
  /** The connection the request arrived on. */
  readonly connection: Connection;
}

/**
 * A pipeline stage: returns false to pass the request on, true when it has taken it: answered it, or kept it to hand
 * on later through `next` (the body-limit stage does, until a chunked body has ended). Most stages ignore `next`.
 */
export type Stage = (exchange: Exchange, next: Next) => boolean;

/** Runs the stages after the one it was given to; built once per stage by the pipeline, not per request. */
export type Next = (exchange: Exchange) => void;

/**
 * Appends a constant header block ([name, value, ...]) to `headers`. A plain loop: `push(...block)` goes through the
 * engine's spread-call path and `concat` through a runtime call, both measurably slower per request.
 */
export function appendHeaders(headers: string[], block: readonly string[]): void {
  for (let index = 0; index < block.length; index++) headers.push(block[index] as string);
}

/** Splits a request target into path and query without building a URL object. */
export function splitTarget(target: string): { path: string; query: string } {
  const mark = target.indexOf('?');
  if (mark === -1) return { path: target, query: '' };
  return { path: target.slice(0, mark), query: target.slice(mark) };
}
