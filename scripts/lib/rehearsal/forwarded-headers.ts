// The header rewriting an ALB does between client and target: hop-by-hop fields dropped, X-Forwarded-* and X-Amzn-Trace-Id set.
import { randomBytes } from 'node:crypto';

/** RFC 9110 §7.6.1: fields that describe one connection, never forwarded (plus those that Connection itself names). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Set by the load balancer alone: what a client sends under these names is replaced, never passed on. */
const SET_BY_LOAD_BALANCER = new Set(['x-forwarded-proto', 'x-forwarded-port', 'x-amzn-trace-id', 'x-forwarded-for']);
/** ALB trace ids: version 1, the time in hex seconds, 96 random bits (load-balancer-request-tracing). */
const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/i;

export interface ForwardingFacts {
  /** The client's address as the load balancer's socket sees it. */
  readonly clientAddress: string;
  readonly proto: 'http' | 'https';
  /** The listener port the client connected to. */
  readonly port: number;
  /** Milliseconds since the epoch, for the trace id's time field. */
  readonly now: number;
}

/** A new trace id in the ALB's form: 1-<8 hex digits of epoch seconds>-<24 hex digits>. */
export function newTraceId(now: number): string {
  const seconds = Math.floor(now / 1000).toString(16).padStart(8, '0');
  return `1-${seconds}-${randomBytes(12).toString('hex')}`;
}

/**
 * X-Amzn-Trace-Id as the ALB forwards it: a fresh `Root=` when the client sent none or an invalid one; with a valid
 * Root, a `Self=` field is put first (or replaced) and the client's other fields are kept.
 */
export function traceHeader(existing: string | undefined, now: number): string {
  const fields = (existing ?? '').split(';').map((field) => field.trim()).filter((field) => field !== '');
  const wellFormed = fields.length > 0 && fields.every((field) => /^[^=\s]+=[^=\s]*$/.test(field));
  const root = fields.find((field) => field.startsWith('Root='));
  if (!wellFormed || root === undefined || !TRACE_ID.test(root.slice('Root='.length))) return `Root=${newTraceId(now)}`;
  return [`Self=${newTraceId(now)}`, ...fields.filter((field) => !field.startsWith('Self='))].join(';');
}

/** Names listed in the Connection field(s): hop-by-hop for this message (RFC 9110 §7.6.1). */
function connectionOptions(rawHeaders: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if ((rawHeaders[index] ?? '').toLowerCase() !== 'connection') continue;
    for (const option of (rawHeaders[index + 1] ?? '').split(',')) named.add(option.trim().toLowerCase());
  }
  return named;
}

/** `rawHeaders` ([name, value, ...] as Node reads them) without hop-by-hop fields, in their order and case. */
export function withoutHopByHop(rawHeaders: readonly string[]): string[] {
  const named = connectionOptions(rawHeaders);
  const kept: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    kept.push(name, rawHeaders[index + 1] ?? '');
  }
  return kept;
}

/**
 * The headers the target receives: the client's end-to-end fields, then X-Forwarded-For with the client address
 * appended to whatever the client sent (never trusted, only extended), X-Forwarded-Proto, X-Forwarded-Port and the
 * trace id, all four set by the load balancer.
 */
export function forwardedRequestHeaders(rawHeaders: readonly string[], facts: ForwardingFacts): string[] {
  const forwardedFor: string[] = [];
  let trace: string | undefined;
  const headers: string[] = [];
  const endToEnd = withoutHopByHop(rawHeaders);
  for (let index = 0; index + 1 < endToEnd.length; index += 2) {
    const name = endToEnd[index] ?? '';
    const value = endToEnd[index + 1] ?? '';
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') forwardedFor.push(value);
    if (lower === 'x-amzn-trace-id') trace ??= value;
    if (!SET_BY_LOAD_BALANCER.has(lower)) headers.push(name, value);
  }
  forwardedFor.push(facts.clientAddress);
  headers.push(
    'X-Forwarded-For', forwardedFor.join(', '),
    'X-Forwarded-Proto', facts.proto,
    'X-Forwarded-Port', String(facts.port),
    'X-Amzn-Trace-Id', traceHeader(trace, facts.now),
  );
  return headers;
}
