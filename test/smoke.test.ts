// `npm run smoke` against loopback servers: a correct service passes; each kind of fault is one failed line.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { securityHeaders } from '../lib/security-headers.ts';
import { excerpt, headerChecks, hstsMaxAge, MAX_QUOTED_CHARS, MIN_HSTS_MAX_AGE, quoted } from '../scripts/lib/smoke-checks.ts';
import { listen, runScript } from './helpers/scripts.ts';

interface Fault {
  dropHeader?: string;
  extraHeaders?: Record<string, string>;
  healthStatus?: number;
  healthBody?: object;
  rootBody?: object;
}

function serviceLike(fault: Fault = {}) {
  return (req: { url?: string }, res: ServerResponse): void => {
    for (const [name, value] of securityHeaders()) if (name !== fault.dropHeader) res.setHeader(name, value);
    for (const [name, value] of Object.entries(fault.extraHeaders ?? {})) res.setHeader(name, value);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/health') {
      res.statusCode = fault.healthStatus ?? 200;
      res.end(JSON.stringify(fault.healthBody ?? { status: 'ok', version: '1.0.0', commit: 'abc123' }));
      return;
    }
    res.end(JSON.stringify(fault.rootBody ?? { message: 'Hello, World' }));
  };
}

test('a service that answers like ours passes every check', async (t) => {
  const { url } = await listen(t, serviceLike());
  const result = await runScript('smoke', [url, '--expect-version', '1.0.0', '--expect-commit', 'abc123']);
  assert.equal(result.code, 0, result.stdout);
  assert.match(result.stdout, /^smoke: all \d+ checks passed for http:\/\/127\.0\.0\.1:\d+\n$/);
});

test('each fault is reported on its own line and exits 1', async (t) => {
  // failures: the header faults show on both paths; a draining /health fails its status and its body.
  const cases: Array<{ name: string; fault: Fault; args?: string[]; expected: RegExp; failures: number }> = [
    { name: 'missing CSP', fault: { dropHeader: 'Content-Security-Policy' }, expected: /^FAIL \/ Content-Security-Policy: expected "default-src 'none';.*got no such header$/m, failures: 2 },
    { name: 'Server header', fault: { extraHeaders: { Server: 'nginx' } }, expected: /^FAIL \/health no server header: present: "nginx"$/m, failures: 2 },
    { name: 'X-Powered-By', fault: { extraHeaders: { 'X-Powered-By': 'Express' } }, expected: /^FAIL \/ no x-powered-by header: present: "Express"$/m, failures: 2 },
    { name: 'draining', fault: { healthStatus: 503, healthBody: { status: 'draining' } }, expected: /^FAIL \/health status: expected 200, got 503 \{"status":"draining"\}$/m, failures: 2 },
    { name: 'wrong body', fault: { rootBody: { message: 'Hi' } }, expected: /^FAIL \/ body: expected \{"message":"Hello, World"\}, got \{"message":"Hi"\}$/m, failures: 1 },
    { name: 'wrong version', fault: {}, args: ['--expect-version', '2.0.0'], expected: /^FAIL \/health version: expected "2\.0\.0", got "1\.0\.0"$/m, failures: 1 },
  ];
  for (const { name, fault, args, expected, failures } of cases) {
    await t.test(name, async (st) => {
      const { url } = await listen(st, serviceLike(fault));
      const result = await runScript('smoke', [url, ...(args ?? [])]);
      assert.equal(result.code, 1);
      assert.match(result.stdout, expected);
      assert.match(result.stdout, new RegExp(`smoke: ${failures} of \\d+ checks failed`));
      assert.equal(result.stdout.split('\n').filter((line) => line.startsWith('FAIL ')).length, failures);
    });
  }
});

test('exactly one line per failed check: bodies and header values cut and escaped, a missing field named', async (t) => {
  const page = `<!doctype html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${'<p>upstream unavailable</p>\r\n'.repeat(200)}</body>\n</html>\n`;
  // A C1 control (U+009B, CSI) in a header value: fetch hands it over as it arrived.
  const longHeader = `DENY${', SAMEORIGIN\u009b31m'.repeat(60)}`;
  const { url } = await listen(t, (req, res) => {
    for (const [name, value] of securityHeaders()) res.setHeader(name, name === 'X-Frame-Options' ? longHeader : value);
    if (req.url === '/health') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'ok', version: '1.0.0' }));
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(page);
  });
  const result = await runScript('smoke', [url, '--expect-commit', 'abc123']);
  assert.equal(result.code, 1);
  const lines = result.stdout.trimEnd().split('\n');
  const failures = lines.filter((line) => line.startsWith('FAIL '));
  assert.equal(lines.length, failures.length + 1, 'the failed checks, then the verdict');
  assert.match(lines.at(-1) ?? '', new RegExp(`^smoke: ${failures.length} of \\d+ checks failed for ${url}$`));
  assert.deepEqual(
    failures.map((line) => line.replace(/:.*/, '')),
    ['FAIL / body', 'FAIL / X-Frame-Options', 'FAIL /health commit', 'FAIL /health X-Frame-Options'],
  );
  for (const line of failures) assert.ok(line.length < 2 * MAX_QUOTED_CHARS + 80, `${line.length} characters: ${line}`);
  assert.ok(!result.stdout.includes('\u009b'), 'no raw control character reaches the terminal');
  assert.equal(failures[0], `FAIL / body: expected {"message":"Hello, World"}, got ${excerpt(page)}`);
  assert.match(failures[0] ?? '', /got <!doctype html>\\n<html>\\n<head>.*… \(\d+ characters\)$/);
  assert.match(failures[1] ?? '', /^FAIL \/ X-Frame-Options: expected "DENY", got "DENY, SAMEORIGIN.?\\u009b31m, .*"… \(\d{3,4} characters\)$/);
  assert.equal(failures[2], 'FAIL /health commit: expected "abc123", got no commit field');
});

test('excerpts and quotes: at most MAX_QUOTED_CHARS characters, control characters escaped, never half a character', () => {
  assert.equal(excerpt(''), 'an empty body');
  assert.equal(excerpt('line 1\r\nline\t2\u0085\u2028'), 'line 1\\r\\nline\\t2\\u0085\\u2028');
  assert.equal(excerpt('x'.repeat(MAX_QUOTED_CHARS)), 'x'.repeat(MAX_QUOTED_CHARS));
  assert.equal(excerpt('x'.repeat(MAX_QUOTED_CHARS + 1)), `${'x'.repeat(MAX_QUOTED_CHARS)}… (${MAX_QUOTED_CHARS + 1} characters)`);
  const emoji = `${'x'.repeat(MAX_QUOTED_CHARS - 1)}😀tail`;
  assert.equal(excerpt(emoji), `${'x'.repeat(MAX_QUOTED_CHARS - 1)}… (${emoji.length} characters)`, 'the pair is left out whole');
  assert.equal(quoted('a "quoted"\nvalue\u009b'), '"a \\"quoted\\"\\nvalue\\u009b"');
  assert.equal(quoted('y'.repeat(900)), `"${'y'.repeat(MAX_QUOTED_CHARS)}"… (900 characters)`);
  assert.equal(excerpt('\n'.repeat(100)), `${'\\n'.repeat(MAX_QUOTED_CHARS / 2)}… (100 characters)`, 'escapes count as shown, and are never split');
  assert.equal(excerpt(`x${'\u0085'.repeat(30)}`), `x${'\\u0085'.repeat(19)}… (31 characters)`);
});

test('an unreachable service fails with the reason', async (t) => {
  const { server, url } = await listen(t, serviceLike());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const result = await runScript('smoke', [url]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^FAIL \/ reachable: ECONNREFUSED$/m);
});

test('HSTS is judged for https URLs only, by a max-age floor', () => {
  const headers = (hsts: string | undefined): Headers => {
    const h = new Headers(securityHeaders().filter(([name]) => name !== 'Strict-Transport-Security').map(([n, v]) => [n, v]));
    if (hsts !== undefined) h.set('Strict-Transport-Security', hsts);
    return h;
  };
  const failed = (h: Headers, https: boolean): string[] => headerChecks('/', h, https).filter((c) => !c.ok).map((c) => c.name);
  assert.deepEqual(failed(headers('max-age=63072000; includeSubDomains'), true), []);
  assert.deepEqual(failed(headers(`max-age=${MIN_HSTS_MAX_AGE}`), true), []);
  assert.deepEqual(failed(headers('max-age=86400; includeSubDomains'), true), ['/ Strict-Transport-Security']);
  assert.deepEqual(failed(headers(undefined), true), ['/ Strict-Transport-Security']);
  assert.deepEqual(failed(headers(undefined), false), [], 'HSTS is meaningless over plain http (RFC 6797 §8.1)');
  assert.equal(hstsMaxAge('includeSubDomains; max-age="31536000"'), 31536000);
  assert.equal(hstsMaxAge('max-age=abc'), undefined);
});

test('usage errors', async () => {
  const none = await runScript('smoke', []);
  assert.equal(none.code, 64);
  assert.match(none.stderr, /expected exactly one URL/);
  const ftp = await runScript('smoke', ['ftp://example.com']);
  assert.equal(ftp.code, 64);
  assert.match(ftp.stderr, /only http and https URLs/);
  const help = await runScript('smoke', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--expect-version <v>/);
});
