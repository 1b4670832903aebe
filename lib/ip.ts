// IP address helpers: normalising, parsing X-Forwarded-For entries, and parsing CIDR lists into a BlockList.
import { BlockList, isIP } from 'node:net';

const MAPPED_PREFIX = '::ffff:';

/** `::ffff:a.b.c.d` (IPv4-mapped, as dual-stack sockets report IPv4 peers) becomes `a.b.c.d`. */
export function normalizeAddress(address: string): string {
  // The startsWith test first: it spares every plain IPv4 peer a slice and a toLowerCase per request.
  if (
    address.startsWith(':') &&
    address.length > MAPPED_PREFIX.length &&
    address.slice(0, MAPPED_PREFIX.length).toLowerCase() === MAPPED_PREFIX
  ) {
    const tail = address.slice(MAPPED_PREFIX.length);
    if (isIP(tail) === 4) return tail;
  }
  return address;
}

/**
 * Whether `text` is an IPv4 address in dotted-quad form exactly as `net.isIP` accepts it: four decimal octets of 0–255,
 * no leading zeros, nothing around them. A loop over a dozen characters costs a fraction of the regular expression
 * behind `isIP` (callgrind), and behind the ALB X-Forwarded-For is usually one such address.
 */
export function isDottedQuad(text: string): boolean {
  let dots = 0;
  let digits = 0;
  let octet = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x2e /* . */) {
      if (digits === 0 || dots === 3) return false;
      dots++;
      digits = 0;
      octet = 0;
    } else if (code >= 0x30 && code <= 0x39) {
      // A second digit after a leading 0 ("01") is a leading zero.
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (code - 0x30);
      digits++;
      if (octet > 255) return false;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

/** The 32-bit value of a dotted-quad address (one isDottedQuad accepts), as an unsigned integer. */
function dottedQuadValue(address: string): number {
  let value = 0;
  let octet = 0;
  for (let index = 0; index < address.length; index++) {
    const code = address.charCodeAt(index);
    if (code === 0x2e /* . */) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + (code - 0x30);
    }
  }
  return value * 256 + octet;
}

/**
 * The IPv4 ranges of a CIDR list, compared as integers: what BlockList answers for a dotted-quad address, without
 * the SocketAddress it builds per call (thousands of instructions; callgrind). Only for a list of IPv4 ranges:
 * with an IPv6 range in it, BlockList's rules for IPv4 addresses against IPv6 ranges would have to be repeated.
 */
export class Ipv4Ranges {
  readonly #networks: number[];
  readonly #masks: number[];

  private constructor(networks: number[], masks: number[]) {
    this.#networks = networks;
    this.#masks = masks;
  }

  /** The ranges of `cidrs` (parseCidrList's normalised `a.b.c.d/n`), or undefined when one of them is not IPv4. */
  static of(cidrs: readonly string[]): Ipv4Ranges | undefined {
    const networks: number[] = [];
    const masks: number[] = [];
    for (const cidr of cidrs) {
      const slash = cidr.indexOf('/');
      const address = cidr.slice(0, slash);
      if (!isDottedQuad(address)) return undefined;
      const prefix = Number(cidr.slice(slash + 1));
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      masks.push(mask);
      networks.push((dottedQuadValue(address) & mask) >>> 0);
    }
    return new Ipv4Ranges(networks, masks);
  }

  /** Whether a dotted-quad address (isDottedQuad) is in one of the ranges. */
  includes(address: string): boolean {
    const value = dottedQuadValue(address);
    for (let index = 0; index < this.#masks.length; index++) {
      if (((value & (this.#masks[index] as number)) >>> 0) === this.#networks[index]) return true;
    }
    return false;
  }
}

/**
 * Parses one X-Forwarded-For entry: trims it, strips `:port` from IPv4 and `[v6]:port`/`[v6]` brackets,
 * normalises mapped IPv4, and returns undefined when what is left is not an IP address.
 */
export function parseForwardedAddress(entry: string): string | undefined {
  if (isDottedQuad(entry)) return entry;
  let value = entry.trim();
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1) return undefined;
    const rest = value.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    value = value.slice(1, close);
  } else {
    const colon = value.indexOf(':');
    if (colon !== -1 && colon === value.lastIndexOf(':')) {
      // Exactly one colon: IPv4 with a port (IPv6 always has at least two).
      if (!/^\d{1,5}$/.test(value.slice(colon + 1))) return undefined;
      value = value.slice(0, colon);
    }
  }
  if (isIP(value) === 0) return undefined;
  return normalizeAddress(value);
}

/** A validated CIDR list as a BlockList, plus problems found while parsing (for the config errors). */
export function parseCidrList(text: string): { list: BlockList; cidrs: string[]; problems: string[] } {
  const list = new BlockList();
  const cidrs: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const slash = item.indexOf('/');
    const address = normalizeAddress(slash === -1 ? item : item.slice(0, slash));
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const prefixText = slash === -1 ? String(maxPrefix) : item.slice(slash + 1);
    const prefix = Number(prefixText);
    if (family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
      problems.push(item);
      continue;
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    cidrs.push(`${address}/${prefix}`);
  }
  return { list, cidrs, problems };
}

/** Whether an already-validated address is inside the list. */
export function inList(list: BlockList, address: string): boolean {
  return list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}
