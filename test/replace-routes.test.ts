// lib/routes.ts can be replaced without touching anything else: a copy of lib/ with a router of its own type-checks
// and serves with the security headers, CORS, the rate limit, the health check and the drain.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import type * as AppModule from '../lib/app.ts';
import type * as ConfigModule from '../lib/config.ts';
import type * as LogModule from '../lib/log.ts';
import type * as ShutdownModule from '../lib/shutdown.ts';
import { MemorySink, request, ROOT, type Reply } from './helpers/http.ts';

/** A router a cloner might write: other paths, other methods, its own bodies; only the health route is kept. */
const REPLACEMENT_ROUTES = `// A replacement route table: GET /greeting and the health check.
import { jsonBody } from './body.ts';
import type { Config } from './config.ts';
import type { Exchange, Stage } from './exchange.ts';
import type { Responder } from './respond.ts';
import { HEALTH_PATH, type ServiceState } from './service-state.ts';

export const ALLOW = 'GET';

export function createRouter(config: Config, state: ServiceState, responder: Responder): Stage {
  const greeting = jsonBody({ greeting: 'hi' });
  const healthy = jsonBody({ status: 'ok', version: config.appVersion });
  const draining = jsonBody({ status: 'draining' });
  return function route(exchange: Exchange): boolean {
    if (exchange.path === HEALTH_PATH) {
      if (state.draining) responder.send(exchange, 503, draining);
      else responder.send(exchange, 200, healthy);
    } else if (exchange.path === '/greeting') {
      responder.send(exchange, 200, greeting);
    } else {
      // Not ours: the pipeline answers 404 for a request no stage answered.
      return false;
    }
    return true;
  };
}
`;

const ORIGIN = 'https://app.example';

interface ReplacedLib {
  readonly app: typeof AppModule;
  readonly config: typeof ConfigModule;
  readonly log: typeof LogModule;
  readonly shutdown: typeof ShutdownModule;
}

/** A copy of lib/ as it is, but for routes.ts; returns its folder. */
function copyLibWithRoutes(routes: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'replaced-routes-'));
  cpSync(join(ROOT, 'lib'), join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'lib', 'routes.ts'), routes);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

/** The copy's modules, imported from it (through tsx on Node 20, type stripping on Node 26). */
async function importLib(dir: string): Promise<ReplacedLib> {
  const load = (name: string): Promise<unknown> => import(pathToFileURL(join(dir, 'lib', name)).href);
  return {
    app: (await load('app.ts')) as typeof AppModule,
    config: (await load('config.ts')) as typeof ConfigModule,
    log: (await load('log.ts')) as typeof LogModule,
    shutdown: (await load('shutdown.ts')) as typeof ShutdownModule,
  };
}

/** The project's compiler options, with the project's @types for a copy that has no node_modules of its own. */
function typeErrors(dir: string): string[] {
  const files = readdirSync(join(dir, 'lib')).map((name) => join(dir, 'lib', name));
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  });
  assert.ok(parsed !== undefined, 'tsconfig.json could not be read');
  const program = ts.createProgram({ rootNames: files, options: { ...parsed.options, typeRoots: [join(ROOT, 'node_modules', '@types')] } });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file === undefined ? '' : `${relative(dir, diagnostic.file.fileName)}: `;
    return `${where}${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

interface Started {
  readonly port: number;
  readonly instance: AppModule.App;
  readonly logger: LogModule.Logger;
  readonly stop: () => Promise<void>;
}

async function startReplaced(lib: ReplacedLib, env: Record<string, string>): Promise<Started> {
  const config = lib.config.loadConfig({ NODE_ENV: 'test', ...env }, '1.0.0');
  const logger = new lib.log.Logger(config.logLevel, new MemorySink(), new MemorySink());
  const instance = lib.app.createApp(config, logger);
  instance.listener.listen(0, '127.0.0.1');
  await once(instance.listener.tcp, 'listening');
  const stop = async (): Promise<void> => {
    if (!instance.listener.tcp.listening) return;
    instance.listener.stopAccepting();
    instance.listener.closeAll();
    await once(instance.listener.tcp, 'close');
  };
  return { port: instance.listener.address().port, instance, logger, stop };
}

function assertSecurityHeaders(reply: Reply, label: string): void {
  assert.equal(reply.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", label);
  assert.equal(reply.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains', label);
  assert.equal(reply.headers['x-frame-options'], 'DENY', label);
  assert.equal(reply.headers['cache-control'], 'no-store', label);
}

describe('a replacement lib/routes.ts', () => {
  let dir: string;
  let imported: Promise<ReplacedLib> | undefined;
  /** Imported once, by the first test that runs the copy. */
  const copied = (): Promise<ReplacedLib> => (imported ??= importLib(dir));
  before(() => {
    dir = copyLibWithRoutes(REPLACEMENT_ROUTES);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('only lib/app.ts imports lib/routes.ts', () => {
    const importers: string[] = [];
    for (const name of readdirSync(join(ROOT, 'lib'))) {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, 'lib', name), 'utf8'), true, true);
      if (importedFiles.some((entry) => entry.fileName === './routes.ts')) importers.push(name);
    }
    assert.deepEqual(importers, ['app.ts']);
  });

  test('the copy of lib/ with it type-checks as the project does (strict), without an edit anywhere else', () => {
    assert.deepEqual(typeErrors(dir), []);
  });

  test('its routes answer with the security headers; the old ones are gone; OPTIONS * names its methods', async () => {
    const service = await startReplaced(await copied(), {});
    try {
      const greeting = await request(service.port, { path: '/greeting' });
      assert.equal(greeting.status, 200);
      assert.deepEqual(JSON.parse(greeting.body), { greeting: 'hi' });
      assertSecurityHeaders(greeting, 'GET /greeting');
      const gone = await request(service.port, { path: '/' });
      assert.equal(gone.status, 404);
      assert.equal(gone.headers['content-type'], 'application/problem+json; charset=utf-8');
      assertSecurityHeaders(gone, 'GET /');
      const star = await request(service.port, { method: 'OPTIONS', path: '*' });
      assert.equal(star.status, 204);
      assert.equal(star.headers.allow, 'GET');
    } finally {
      await service.stop();
    }
  });

  test('CORS: preflights are answered and allowed origins get their headers', async () => {
    const service = await startReplaced(await copied(), { ALLOWED_ORIGINS: ORIGIN });
    try {
      const preflight = await request(service.port, {
        method: 'OPTIONS',
        path: '/greeting',
        headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
      const actual = await request(service.port, { path: '/greeting', headers: { origin: ORIGIN } });
      assert.equal(actual.headers['access-control-allow-origin'], ORIGIN);
      assert.equal(actual.headers.vary, 'Origin');
    } finally {
      await service.stop();
    }
  });

  test('the rate limit counts its routes and leaves the health check alone', async () => {
    const service = await startReplaced(await copied(), { RATE_LIMIT_BURST: '2' });
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 3; index++) statuses.push((await request(service.port, { path: '/greeting' })).status);
      assert.deepEqual(statuses, [200, 200, 429]);
      const health = await request(service.port, { path: '/health' });
      assert.equal(health.status, 200);
      assert.deepEqual(JSON.parse(health.body), { status: 'ok', version: '1.0.0' });
      assert.equal(health.headers.ratelimit, undefined);
    } finally {
      await service.stop();
    }
  });

  test('the drain: /health answers 503 with Connection: close, and the service stops with exit code 0', async () => {
    const service = await startReplaced(await copied(), {});
    try {
      const socket = connect(service.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const closed = once(socket, 'close');
      const { shutdown: shutdownModule } = await copied();
      const exited = new Promise<number>((resolve) => {
        const shutdown = shutdownModule.createShutdown({
          listener: service.instance.listener,
          state: service.instance.state,
          log: service.logger,
          timeoutMs: 10_000,
          exit: resolve,
        });
        shutdown('SIGTERM');
      });
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed;
      assert.match(received, /^HTTP\/1\.1 503 /);
      assert.match(received, /\r\nConnection: close\r\n/);
      assert.match(received, /\{"status":"draining"\}$/);
      assert.equal(await exited, 0);
    } finally {
      await service.stop();
    }
  });
});
