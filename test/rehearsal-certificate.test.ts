// The front's self-signed certificate: made once with the real openssl, reused, made again near expiry, kept private.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { ExitError } from '../scripts/lib/errors.ts';
import { localCertificate } from '../scripts/lib/rehearsal/certificate.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function cacheDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'hello-service', 'local-tls');
}

describe('the local HTTPS certificate', () => {
  const opensslMissing = spawnSync('openssl', ['version']).status !== 0;

  test('is made on first use for localhost, 127.0.0.1 and ::1, in a private folder', { skip: opensslMissing && 'SKIPPED: openssl not on PATH' }, async (t) => {
    const dir = cacheDir(t);
    const made = await localCertificate(dir);
    assert.equal(made.created, true);
    assert.equal(made.certFile, join(dir, 'cert.pem'));
    const x509 = new X509Certificate(made.cert);
    assert.equal(x509.checkHost('localhost'), 'localhost');
    assert.equal(x509.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(x509.checkIP('::1') !== undefined);
    assert.equal(x509.ca, false);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'key.pem')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['cert.pem', 'key.pem'], 'no partial files left behind');
  });

  test('is reused while valid, and made again when it nears its end', { skip: opensslMissing && 'SKIPPED: openssl not on PATH' }, async (t) => {
    const dir = cacheDir(t);
    const first = await localCertificate(dir);
    const again = await localCertificate(dir);
    assert.equal(again.created, false);
    assert.equal(again.cert, first.cert);
    const validTo = Date.parse(new X509Certificate(first.cert).validTo);
    const renewed = await localCertificate(dir, undefined, validTo - DAY_MS);
    assert.equal(renewed.created, true, 'a day before expiry a new one is made');
    assert.notEqual(renewed.cert, first.cert);
  });

  test('without openssl, says what to install and leaves nothing behind', async (t) => {
    const dir = cacheDir(t);
    const noOpenssl = (program: string): Promise<{ kind: 'not-found'; program: string }> => Promise.resolve({ kind: 'not-found', program });
    await assert.rejects(
      localCertificate(dir, noOpenssl),
      (error: unknown) => error instanceof ExitError && error.message === 'openssl not found on PATH; install OpenSSL: it makes the certificate of the local HTTPS listener',
    );
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  });
});
