// Validates a Host header value (RFC 9110 §7.2): a DNS name, an IPv4 address or a bracketed IPv6 address, with an optional port.
import { isIP } from 'node:net';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A DNS host name without a trailing dot (RFC 1123: labels of 1-63 letters, digits and inner hyphens; 253 in all). */
export function isHostname(name: string): boolean {
  return HOSTNAME.test(name);
}

function validPort(text: string): boolean {
  if (!/^\d{1,5}$/.test(text)) return false;
  const port = Number(text);
  return port >= 1 && port <= 65_535;
}

/** True for `example.com`, `example.com:8443`, `10.0.0.1:80`, `[::1]:8080`; false for anything that could smuggle a path, userinfo or CR/LF. */
export function isValidHost(value: string): boolean {
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1 || isIP(value.slice(1, close)) !== 6) return false;
    const rest = value.slice(close + 1);
    return rest === '' || (rest.startsWith(':') && validPort(rest.slice(1)));
  }
  const colon = value.lastIndexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  if (colon !== -1 && !validPort(value.slice(colon + 1))) return false;
  // A fully qualified name may end in a dot (example.com.), which names the same host.
  return isHostname(name.endsWith('.') ? name.slice(0, -1) : name) || isIP(name) === 4;
}
