// A real browser (headless Chromium) fetching the service cross-origin: allowed, refused, and preflighted requests.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startService, type TestService } from './helpers/http.ts';

/** Debian's chromium by default; CHROMIUM_PATH points elsewhere (GitHub's Ubuntu runners ship /usr/bin/google-chrome). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The closed network refuses Chromium's background connections; these flags stop it from trying.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A loopback origin serving one empty HTML page, so the browser has a document of that origin. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>cors test page</title>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface FetchOutcome {
  ok: boolean;
  status?: number;
  body?: string;
  rateLimit?: string | null;
  retryAfterReadable?: boolean;
  error?: string;
}

async function fetchFrom(page: Page, url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<FetchOutcome> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init);
        return {
          ok: true,
          status: response.status,
          body: await response.text(),
          rateLimit: response.headers.get('RateLimit'),
          retryAfterReadable: response.headers.get('RateLimit-Policy') !== null,
        };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { url, init },
  );
}

const skipReason = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to run the browser CORS test`;
if (skipReason !== false) process.stderr.write(`WARNING: ${skipReason}\n`);

describe('CORS in a real browser', { skip: skipReason }, () => {
  let allowedPage: { server: Server; origin: string };
  let otherPage: { server: Server; origin: string };
  let service: TestService;
  let context: BrowserContext;
  let workDir: string;
  let serviceUrl: string;

  before(async () => {
    allowedPage = await pageServer();
    otherPage = await pageServer();
    service = await startService({ ALLOWED_ORIGINS: allowedPage.origin, RATE_LIMIT_BURST: '1000' });
    serviceUrl = `http://127.0.0.1:${service.port}`;
    workDir = mkdtempSync(join(tmpdir(), 'cors-browser-'));
    context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, TMPDIR: workDir },
    });
  });

  after(async () => {
    await context?.close();
    await service?.close();
    allowedPage?.server.close();
    otherPage?.server.close();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  function accessLines(): Record<string, unknown>[] {
    service.log.flush();
    return service.stdout.lines().filter((line) => line.msg === 'request');
  }

  test('an allowed origin reads the body and the RateLimit header', async () => {
    const page = await context.newPage();
    await page.goto(`${allowedPage.origin}/`);
    const outcome = await fetchFrom(page, `${serviceUrl}/`);
    assert.equal(outcome.ok, true, outcome.error);
    assert.equal(outcome.status, 200);
    assert.deepEqual(JSON.parse(outcome.body ?? ''), { message: 'Hello, World' });
    assert.match(outcome.rateLimit ?? '', /^"default";r=\d+;t=\d+$/);
    assert.equal(outcome.retryAfterReadable, true, 'RateLimit-Policy is exposed too');
    await page.close();
  });

  test('a disallowed origin cannot read the response', async () => {
    const page = await context.newPage();
    await page.goto(`${otherPage.origin}/`);
    const outcome = await fetchFrom(page, `${serviceUrl}/`);
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /TypeError/);
    await page.close();
  });

  test('a non-simple request with an allowed header is preflighted, then served', async () => {
    const page = await context.newPage();
    await page.goto(`${allowedPage.origin}/`);
    const before = accessLines().length;
    const outcome = await fetchFrom(page, `${serviceUrl}/health`, { headers: { 'Content-Type': 'application/json' } });
    assert.equal(outcome.ok, true, outcome.error);
    assert.equal(outcome.status, 200);
    const lines = accessLines().slice(before);
    assert.deepEqual(
      lines.map((line) => `${String(line.method)} ${String(line.status)}`),
      ['OPTIONS 204', 'GET 200'],
    );
    await page.close();
  });

  test('a custom header or a PUT fails at the preflight (403) and the actual request is never sent', async () => {
    const page = await context.newPage();
    await page.goto(`${allowedPage.origin}/`);
    const before = accessLines().length;
    const custom = await fetchFrom(page, `${serviceUrl}/`, { headers: { 'X-Custom': '1' } });
    assert.equal(custom.ok, false);
    const put = await fetchFrom(page, `${serviceUrl}/`, { method: 'PUT' });
    assert.equal(put.ok, false);
    const lines = accessLines().slice(before);
    assert.deepEqual(
      lines.map((line) => `${String(line.method)} ${String(line.status)}`),
      ['OPTIONS 403', 'OPTIONS 403'],
    );
    await page.close();
  });
});
