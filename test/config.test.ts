// Configuration parsing: defaults, every accepted form, and every problem reported at once with exit code 2.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { isHostname, isValidHost } from '../lib/host.ts';
import { readPackageInfo, readPackageJson } from '../lib/package-info.ts';
import { NodeProcess } from './helpers/http.ts';

describe('loadConfig', () => {
  test('defaults', () => {
    const config = loadConfig({}, '1.0.0');
    assert.deepEqual(
      { ...config },
      {
        port: 8080,
        host: '0.0.0.0',
        nodeEnv: 'development',
        appVersion: '1.0.0',
        appCommit: undefined,
        logLevel: 'info',
        shutdownTimeoutMs: 25_000,
        hstsMaxAge: 63_072_000,
        trustedProxies: [],
        ipv6KeyPrefix: 56,
        forceHttps: false,
        publicHostname: undefined,
        allowedOrigins: [],
        corsAllowHeaders: ['content-type'],
        corsMaxAge: 600,
        corsAllowCredentials: false,
        rateLimitBurst: 100,
        rateLimitPerMinute: 100,
        rateLimitMaxClients: 100_000,
        maxConnections: 4096,
      },
    );
    assert.ok(Object.isFrozen(config));
  });

  test('the default version is the one in package.json', () => {
    assert.equal(readPackageInfo().version, '1.0.0');
  });

  test('package.json is read by one parser: from a given file (the deploy) or the nearest one above (the service)', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'package-info-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'dist', 'scripts'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"svc","version":"2.0.1"}');
    assert.deepEqual(readPackageJson(join(dir, 'package.json')), { name: 'svc', version: '2.0.1' });
    assert.deepEqual(readPackageInfo(join(dir, 'dist', 'scripts')), { name: 'svc', version: '2.0.1' });
    writeFileSync(join(dir, 'package.json'), '{"name":"svc"}');
    assert.throws(() => readPackageJson(join(dir, 'package.json')), { message: `${join(dir, 'package.json')} has no string "name" and "version"` });
    assert.throws(() => readPackageInfo(join(dir, 'dist')), { message: `${join(dir, 'package.json')} has no string "name" and "version"` });
  });

  test('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '3000',
        HOST: '::',
        NODE_ENV: 'production',
        APP_VERSION: '2.0.0-rc.1',
        APP_COMMIT: '0123abcd',
        LOG_LEVEL: 'warn',
        SHUTDOWN_TIMEOUT_MS: '1000',
        HSTS_MAX_AGE: '31536000',
        MAX_CONNECTIONS: '10000',
      },
      '1.0.0',
    );
    assert.equal(config.port, 3000);
    assert.equal(config.host, '::');
    assert.equal(config.nodeEnv, 'production');
    assert.equal(config.appVersion, '2.0.0-rc.1');
    assert.equal(config.appCommit, '0123abcd');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.shutdownTimeoutMs, 1000);
    assert.equal(config.hstsMaxAge, 31_536_000);
    assert.equal(config.maxConnections, 10_000);
  });

  test('an empty variable counts as unset', () => {
    assert.equal(loadConfig({ PORT: '', APP_COMMIT: '' }, '1.0.0').port, 8080);
  });

  test('reports every problem, one line each, naming the variable, the value and the accepted form', () => {
    const bad = {
      PORT: 'abc',
      HOST: 'not a host!',
      NODE_ENV: 'prod',
      APP_VERSION: '1.0 beta',
      APP_COMMIT: 'x'.repeat(65),
      LOG_LEVEL: 'loud',
      SHUTDOWN_TIMEOUT_MS: '-5',
      HSTS_MAX_AGE: '1e9',
      MAX_CONNECTIONS: '0',
    };
    let caught: unknown;
    try {
      loadConfig(bad, '1.0.0');
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    assert.equal(caught.problems.length, Object.keys(bad).length);
    for (const [name, value] of Object.entries(bad)) {
      const line = caught.problems.find((problem) => problem.startsWith(`${name}=`));
      assert.ok(line, `a problem names ${name}`);
      assert.ok(line.includes(JSON.stringify(value)), `${name}: the bad value is quoted`);
      assert.match(line, /expected /, `${name}: the accepted form is given`);
      assert.ok(!line.includes('\n'));
    }
  });

  for (const [name, value] of [
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', ' 80'],
    ['SHUTDOWN_TIMEOUT_MS', '600001'],
    ['MAX_CONNECTIONS', '1000001'],
    ['MAX_CONNECTIONS', 'unlimited'],
    ['LOG_LEVEL', 'INFO'],
  ] as const) {
    test(`${name}=${JSON.stringify(value)} is refused`, () => {
      assert.throws(() => loadConfig({ [name]: value }, '1.0.0'), ConfigError);
    });
  }
});

describe('HOST and the Host header check share one host name rule', () => {
  const hostAccepts = (value: string): boolean => {
    try {
      return loadConfig({ HOST: value }, '1.0.0').host === value;
    } catch (error) {
      if (error instanceof ConfigError) return false;
      throw error;
    }
  };
  const NAMES: ReadonlyArray<readonly [string, boolean]> = [
    ['localhost', true],
    ['example.com', true],
    ['a-b.c', true],
    ['xn--bcher-kva.example', true],
    [`${'a'.repeat(63)}.com`, true],
    [`${'a.'.repeat(126)}a`, true],
    [`${'a'.repeat(64)}.com`, false],
    [`${'a.'.repeat(126)}ab`, false],
    ['-bad.com', false],
    ['bad-.com', false],
    ['a..b', false],
    ['under_score.com', false],
    ['exa mple.com', false],
    ['bücher.example', false],
  ];
  for (const [name, accepted] of NAMES) {
    test(`${JSON.stringify(name.length > 30 ? `${name.slice(0, 12)}… (${name.length} characters)` : name)} is ${accepted ? 'accepted' : 'refused'} by both`, () => {
      assert.equal(isHostname(name), accepted, 'isHostname');
      assert.equal(hostAccepts(name), accepted, 'HOST');
      assert.equal(isValidHost(name), accepted, 'Host header');
      assert.equal(isValidHost(`${name}:8080`), accepted, 'Host header with a port');
    });
  }

  test('only the Host header takes a fully qualified name with its trailing dot; HOST wants the plain name', () => {
    assert.equal(isValidHost('example.com.'), true);
    assert.equal(hostAccepts('example.com.'), false);
  });
});

describe('server start-up with a bad environment', () => {
  test('exits 2 before listening and names every bad variable on stderr', async () => {
    const child = new NodeProcess('server.ts', { PORT: 'abc', LOG_LEVEL: 'loud' });
    const result = await child.exited;
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '', 'nothing logged: it never started');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^config error: PORT="abc" is invalid: expected an integer from 0 to 65535$/);
    assert.match(lines[1] ?? '', /^config error: LOG_LEVEL="loud" is invalid: expected one of debug \| info \| warn \| error$/);
  });
});
