// Pipeline stage: finds the client's address behind trusted proxies (the ALB) without believing what clients forge.
import type { BlockList } from 'node:net';
import type { Exchange, Stage } from './exchange.ts';
import { inList, normalizeAddress, parseCidrList, parseForwardedAddress } from './ip.ts';
import type { Logger } from './log.ts';

/** The socket peer, normalised (`::ffff:a.b.c.d` → `a.b.c.d`). */
export function peerAddress(exchange: Pick<Exchange, 'req'>): string {
  return normalizeAddress(exchange.req.socket.remoteAddress ?? '');
}

/**
 * Walks X-Forwarded-For from the right, skipping trusted proxies: the first untrusted valid address is the
 * client. An invalid entry ends the walk and the nearest valid address to its right wins. The leftmost entry
 * is never taken on trust: with the ALB appending, it is whatever the client wrote (ALB docs, x-forwarded-headers).
 */
export function forwardedClient(header: string, peer: string, trusted: BlockList): string {
  let client = peer;
  let end = header.length;
  while (end > 0) {
    const comma = header.lastIndexOf(',', end - 1);
    const address = parseForwardedAddress(header.slice(comma + 1, end));
    if (address === undefined) return client;
    client = address;
    if (!inList(trusted, address)) return client;
    end = comma === -1 ? 0 : comma;
  }
  return client;
}

/** The last value of X-Forwarded-Proto, lower-cased ("http" or "https" from the ALB). */
function lastProto(header: string): string {
  const comma = header.lastIndexOf(',');
  return header.slice(comma + 1).trim().toLowerCase();
}

export function createClientIpStage(trustedProxies: readonly string[], log: Logger): Stage {
  const trusted = parseCidrList(trustedProxies.join(',')).list;
  const anyTrusted = trustedProxies.length > 0;
  let warned = false;

  return function clientIp(exchange: Exchange): boolean {
    const peer = peerAddress(exchange);
    exchange.client = peer;
    const { headers } = exchange.req;
    const forwardedFor = headers['x-forwarded-for'];
    if (anyTrusted && inList(trusted, peer)) {
      if (typeof forwardedFor === 'string') exchange.client = forwardedClient(forwardedFor, peer, trusted);
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
