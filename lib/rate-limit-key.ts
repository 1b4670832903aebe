// The rate-limit key of a request, all of it: which address it is, and how IPv6 addresses are grouped.
import type { Exchange } from './exchange.ts';

/**
 * The key is the request's client address, `exchange.client`:
 * 1. it starts as the socket peer, an IPv4-mapped `::ffff:a.b.c.d` written `a.b.c.d` (app.ts, Connection#peer in connections.ts);
 * 2. when that peer is in TRUSTED_PROXIES (the load balancer), the client-IP stage replaces it with the rightmost
 *    X-Forwarded-For address that is not a trusted proxy (forwardedClient in client-ip.ts); from any other peer the
 *    header is ignored;
 * 3. here, an IPv4 address is the key as it is, and an IPv6 address is masked to RATE_LIMIT_IPV6_PREFIX bits
 *    (56 by default), because one subscriber usually holds a whole /56 or /64 and could otherwise rotate through it.
 */
export function createRateLimitKey(ipv6PrefixLength: number): (exchange: Exchange) => string {
  return (exchange) => addressKey(exchange.client, ipv6PrefixLength);
}

/** Expands a valid IPv6 address (optionally with a dotted IPv4 tail or a zone) into its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number);
    const high = ((octets[0] ?? 0) << 8) | (octets[1] ?? 0);
    const low = ((octets[2] ?? 0) << 8) | (octets[3] ?? 0);
    text = `${text.slice(0, lastColon + 1)}${high.toString(16)}:${low.toString(16)}`;
  }
  const doubleColon = text.indexOf('::');
  let parts: string[];
  if (doubleColon === -1) {
    parts = text.split(':');
  } else {
    const head = text.slice(0, doubleColon) === '' ? [] : text.slice(0, doubleColon).split(':');
    const rest = text.slice(doubleColon + 2) === '' ? [] : text.slice(doubleColon + 2).split(':');
    parts = [...head, ...new Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  }
  return parts.map((part) => parseInt(part, 16));
}

/** The rate-limit key of an address: IPv4 as it is, IPv6 masked to `prefixLength` bits (`2001:db8:0:ab00::/56`). */
export function addressKey(address: string, prefixLength: number): string {
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  let key = '';
  let bitsLeft = prefixLength;
  for (let index = 0; index < 8 && bitsLeft > 0; index++) {
    const keep = Math.min(16, bitsLeft);
    const mask = (0xffff << (16 - keep)) & 0xffff;
    key += `${((groups[index] ?? 0) & mask).toString(16)}:`;
    bitsLeft -= keep;
  }
  return `${key}:/${prefixLength}`;
}
