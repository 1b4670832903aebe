// The HTTPS listener's self-signed certificate for localhost: made on first use with the openssl CLI, kept in the user's cache.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expectExit, runProcess, type Runner, type ToolDescription } from '../process.ts';

export const OPENSSL: ToolDescription = { program: 'openssl', installHint: 'install OpenSSL: it makes the certificate of the local HTTPS listener' };

/** The names the certificate covers: what a browser, curl or a test types for this machine. */
const HOSTNAME = 'localhost';
const ADDRESSES = ['127.0.0.1', '::1'] as const;
const VALID_DAYS = 365;
/** A certificate this close to expiry is made again, so a long rehearsal never crosses its end. */
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60 * 1000;
const KEY_FILE = 'key.pem';
const CERT_FILE = 'cert.pem';

export interface Certificate {
  /** PEM text, for tls.createServer. */
  readonly key: string;
  readonly cert: string;
  /** Where the certificate file is: what a client trusts (curl --cacert, NODE_EXTRA_CA_CERTS). */
  readonly certFile: string;
  /** True when it was made by this call rather than found in the cache. */
  readonly created: boolean;
}

/**
 * The PEM pair in `dir` when it covers this machine's names with its own key and, if `now` is given, stays valid
 * past the renewal margin; else undefined.
 */
function cached(dir: string, now?: number): Certificate | undefined {
  const keyFile = join(dir, KEY_FILE);
  const certFile = join(dir, CERT_FILE);
  if (!existsSync(keyFile) || !existsSync(certFile)) return undefined;
  try {
    const key = readFileSync(keyFile, 'utf8');
    const cert = readFileSync(certFile, 'utf8');
    const x509 = new X509Certificate(cert);
    const coversNames = x509.checkHost(HOSTNAME) !== undefined && ADDRESSES.every((address) => x509.checkIP(address) !== undefined);
    const fresh = now === undefined || (Date.parse(x509.validTo) - now > RENEW_BEFORE_MS && Date.parse(x509.validFrom) <= now);
    if (!coversNames || !fresh || !x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    return { key, cert, certFile, created: false };
  } catch {
    return undefined;
  }
}

/**
 * The certificate in `dir` (the user's cache, outside the repository), made there first when it is missing, expiring
 * or not for localhost. The folder is private to the user (0700) and the key file 0600.
 */
export async function localCertificate(dir: string, run: Runner = runProcess, now: number = Date.now()): Promise<Certificate> {
  const found = cached(dir, now);
  if (found !== undefined) return found;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // Written beside the final names and renamed, so an interrupted run never leaves a half-written pair in use.
  const keyPart = join(dir, `${KEY_FILE}.partial`);
  const certPart = join(dir, `${CERT_FILE}.partial`);
  const subjectAltName = `subjectAltName=DNS:${HOSTNAME},${ADDRESSES.map((address) => `IP:${address}`).join(',')}`;
  try {
    const result = await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
      '-days', String(VALID_DAYS), '-subj', `/CN=${HOSTNAME}`,
      '-addext', subjectAltName,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=serverAuth',
      '-keyout', keyPart, '-out', certPart,
    ]);
    expectExit(result, OPENSSL, 'openssl req (making the local HTTPS certificate)');
    chmodSync(keyPart, 0o600);
    renameSync(keyPart, join(dir, KEY_FILE));
    renameSync(certPart, join(dir, CERT_FILE));
  } finally {
    rmSync(keyPart, { force: true });
    rmSync(certPart, { force: true });
  }
  const made = cached(dir);
  if (made === undefined) throw new Error(`openssl made a certificate in ${dir} that does not cover ${HOSTNAME} and ${ADDRESSES.join(', ')}`);
  return { ...made, created: true };
}
