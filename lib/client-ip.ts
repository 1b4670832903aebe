// Pipeline stage: finds the client's address behind trusted proxies (the ALB) without believing what clients forge.
import type { BlockList } from 'node:net';
import type { Exchange, Stage } from './exchange.ts';
import { inList, Ipv4Ranges, isDottedQuad, parseCidrList, parseForwardedAddress } from './ip.ts';
import type { Logger } from './log.ts';

/** Whether an address is a trusted proxy. */
export type TrustCheck = (address: string) => boolean;

/** Most trust decisions remembered; past it the memo starts over, so a flood of distinct addresses cannot grow memory. */
const MAX_REMEMBERED_ADDRESSES = 4096;

/**
 * BlockList.check builds a SocketAddress object on every call, which a CPU profile of the service under load showed
 * as about 5 % of each request. An address's answer never changes while the process runs, so it is remembered; and
 * when the trusted ranges are all IPv4 (`ipv4`, the same ranges), an IPv4 address the memo has not seen, such as one
 * of more clients than it holds, is compared with them as an integer instead.
 */
export function rememberingTrustCheck(trusted: BlockList, ipv4?: Ipv4Ranges): TrustCheck {
  const remembered = new Map<string, boolean>();
  return (address) => {
    let isTrusted = remembered.get(address);
    if (isTrusted === undefined) {
      isTrusted = ipv4 !== undefined && isDottedQuad(address) ? ipv4.includes(address) : inList(trusted, address);
      if (remembered.size >= MAX_REMEMBERED_ADDRESSES) remembered.clear();
      remembered.set(address, isTrusted);
    }
    return isTrusted;
  };
}

/**
 * `header.lastIndexOf(',', from)`, asked only of a header with a comma in it: String#lastIndexOf is a runtime call in
 * V8 (a few hundred instructions, callgrind), String#includes a builtin that costs a fraction of that, and behind the
 * ALB the header is usually one address.
 */
function lastCommaAt(header: string, from: number): number {
  return header.includes(',') ? header.lastIndexOf(',', from) : -1;
}

/**
 * Walks X-Forwarded-For from the right, skipping trusted proxies: the first untrusted valid address is the
 * client. An invalid entry ends the walk and the nearest valid address to its right wins. The leftmost entry
 * is never taken on trust: with the ALB appending, it is whatever the client wrote (ALB docs, x-forwarded-headers).
 */
export function forwardedClient(header: string, peer: string, isTrusted: TrustCheck): string {
  // One address, as the ALB sends for a client that came straight to it: it is the client, trusted or not (below).
  if (isDottedQuad(header)) return header;
  let client = peer;
  let end = header.length;
  while (end > 0) {
    const comma = lastCommaAt(header, end - 1);
    const address = parseForwardedAddress(header.slice(comma + 1, end));
    if (address === undefined) return client;
    client = address;
    // The leftmost entry is the client whether or not it is a trusted address: there is nothing left of it to take.
    if (comma === -1 || !isTrusted(address)) return client;
    end = comma;
  }
  return client;
}

/** The last value of X-Forwarded-Proto, lower-cased ("http" or "https" from the ALB). */
function lastProto(header: string): string {
  // What the ALB sends: returned as it is, sparing a slice, a trim and a toLowerCase on every request (callgrind).
  if (header === 'https' || header === 'http') return header;
  const comma = lastCommaAt(header, header.length - 1);
  return header.slice(comma + 1).trim().toLowerCase();
}

export function createClientIpStage(trustedProxies: readonly string[], log: Logger): Stage {
  const { list, cidrs } = parseCidrList(trustedProxies.join(','));
  const isTrusted = rememberingTrustCheck(list, Ipv4Ranges.of(cidrs));
  const anyTrusted = trustedProxies.length > 0;
  let warned = false;

  return function clientIp(exchange: Exchange): boolean {
    // The exchange starts with the socket peer as its client (app.ts).
    const peer = exchange.client;
    const { headers } = exchange.req;
    const forwardedFor = headers['x-forwarded-for'];
    if (anyTrusted && isTrusted(peer)) {
      if (typeof forwardedFor === 'string') exchange.client = forwardedClient(forwardedFor, peer, isTrusted);
      const proto = headers['x-forwarded-proto'];
      if (typeof proto === 'string') exchange.forwardedProto = lastProto(proto);
      return false;
    }
    if (forwardedFor !== undefined && !warned) {
      warned = true;
      log.warn('X-Forwarded-For from an untrusted peer was ignored', {
        peer,
        hint:
          'if this service runs behind a load balancer, set TRUSTED_PROXIES to its subnets (e.g. the VPC CIDR); ' +
          'until then every client behind it shares the rate-limit bucket of the proxy address',
      });
    }
    return false;
  };
}
