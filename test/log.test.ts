// Structured logs: JSON lines with the documented fields, levels, batching, and the request id.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { IsoTimestamps, Logger } from '../lib/log.ts';
import { rawExchange, request, startService } from './helpers/http.ts';

/** C1 controls and the Unicode line separators that line-oriented tools split on or interpret. */
const C1_OR_SEPARATOR = /[\u0080-\u009f\u2028\u2029]/;

class CountingSink {
  writes: string[] = [];
  write(chunk: string): boolean {
    this.writes.push(chunk);
    return true;
  }
}

describe('Logger', () => {
  test('batches every line of one tick into one write per stream', async () => {
    const out = new CountingSink();
    const err = new CountingSink();
    const log = new Logger('debug', out, err);
    log.info('a');
    log.debug('b', { n: 1 });
    log.access('"method":"GET"');
    log.warn('c');
    log.error('d', { error: new Error('boom') });
    assert.equal(out.writes.length, 0, 'nothing written synchronously');
    await nextTurn();
    assert.equal(out.writes.length, 1);
    assert.equal(err.writes.length, 1);
    const outLines = (out.writes[0] ?? '').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(outLines.map((line) => line.level), ['info', 'debug', 'info']);
    const errLines = (err.writes[0] ?? '').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(errLines.map((line) => line.msg), ['c', 'd']);
    const error = errLines[1]?.error as Record<string, unknown>;
    assert.equal(error.message, 'boom');
    assert.equal(error.name, 'Error');
    for (const line of [...outLines, ...errLines]) assert.ok(!Number.isNaN(Date.parse(String(line.time))));
  });

  test('levels below the threshold are dropped; warn turns access lines off', async () => {
    const out = new CountingSink();
    const err = new CountingSink();
    const log = new Logger('warn', out, err);
    assert.equal(log.accessEnabled, false);
    log.info('dropped');
    log.debug('dropped');
    log.warn('kept');
    await nextTurn();
    assert.equal(out.writes.length, 0);
    assert.equal(err.writes.length, 1);
  });
});

describe('control characters', () => {
  test('event lines escape C1 controls and U+2028/U+2029 like C0 controls', async () => {
    const out = new CountingSink();
    const log = new Logger('info', out, new CountingSink());
    const value = 'a\u0085b\u009b[31mc\u2028d\u0007e';
    log.info('note', { value });
    await nextTurn();
    const text = out.writes.join('');
    assert.doesNotMatch(text, C1_OR_SEPARATOR);
    assert.match(text, /a\\u0085b\\u009b\[31mc\\u2028d\\u0007e/);
    assert.equal(text.split(/\r\n|[\n\r\u0085\u2028\u2029]/).filter((line) => line !== '').length, 1, 'one line for Unicode-aware splitters');
    assert.equal((JSON.parse(text) as { value: string }).value, value);
  });

  test('an access line escapes C1 controls from X-Amzn-Trace-Id', async () => {
    const service = await startService();
    try {
      const trace = Buffer.concat([Buffer.from('Root=1-'), Buffer.from([0x85, 0x9b]), Buffer.from('31m')]);
      const payload = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Amzn-Trace-Id: '), trace, Buffer.from('\r\nConnection: close\r\n\r\n')]);
      assert.match(await rawExchange(service.port, payload), /^HTTP\/1\.1 200 /);
      service.log.flush();
      assert.doesNotMatch(service.stdout.text, C1_OR_SEPARATOR);
      assert.match(service.stdout.text, /"request_id":"Root=1-\\u0085\\u009b31m"/);
      const line = service.stdout.lines().find((entry) => entry.msg === 'request');
      assert.equal(line?.request_id, trace.toString('latin1'));
    } finally {
      await service.close();
    }
  });
});

describe('IsoTimestamps', () => {
  test('formats exactly like Date#toISOString, in order, out of order and across second, day and year boundaries', () => {
    const timestamps = new IsoTimestamps();
    const samples = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 60_000];
    for (const iso of ['2024-02-29T23:59:59.999Z', '2026-11-29T15:16:42.005Z', '2026-12-31T23:59:59.950Z', '9999-12-31T23:59:59.999Z']) {
      const at = Date.parse(iso);
      for (let step = -3; step <= 3; step++) samples.push(at + step, at + step * 1000);
    }
    // A pseudo-random walk, so most calls reuse the cached second and some move backwards.
    let ms = Date.parse('2026-11-29T00:00:00.000Z');
    for (let index = 0; index < 5_000; index++) {
      ms += ((index * 7_919) % 1_300) - 250;
      samples.push(ms);
    }
    for (const sample of samples) {
      assert.equal(timestamps.format(sample), new Date(sample).toISOString(), `at ${sample}`);
    }
  });
});

describe('access log', () => {
  test('one JSON line per request with time, method, path without query, status, duration, client, request id, bytes', async () => {
    const service = await startService();
    try {
      await request(service.port, { path: '/health?secret=1' });
      await request(service.port, { path: '/nope', headers: { 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678' } });
      service.log.flush();
      const lines = service.stdout.lines().filter((line) => line.msg === 'request');
      assert.equal(lines.length, 2);
      const [health, missing] = lines;
      assert.ok(health !== undefined && missing !== undefined);
      assert.equal(health.method, 'GET');
      assert.equal(health.path, '/health', 'query string is not logged');
      assert.equal(health.status, 200);
      assert.equal(typeof health.duration_ms, 'number');
      assert.ok((health.duration_ms as number) >= 0);
      assert.equal(health.client, '127.0.0.1');
      assert.match(String(health.request_id), /^[0-9a-f-]{36}$/, 'a generated id when the ALB sent none');
      assert.equal(health.bytes, Buffer.byteLength('{"status":"ok","version":"1.0.0"}'));
      assert.equal(health.level, 'info');
      assert.ok(!Number.isNaN(Date.parse(String(health.time))));
      assert.equal(missing.status, 404);
      assert.equal(missing.request_id, 'Root=1-67891233-abcdef012345678912345678');
    } finally {
      await service.close();
    }
  });

  test('LOG_LEVEL=warn writes no access lines', async () => {
    const service = await startService({ LOG_LEVEL: 'warn' });
    try {
      await request(service.port);
      service.log.flush();
      assert.equal(service.stdout.text, '');
    } finally {
      await service.close();
    }
  });

  test('a path with quotes and control characters still yields valid JSON', async () => {
    const service = await startService();
    try {
      await request(service.port, { path: '/a%22b"c\\d' });
      service.log.flush();
      const line = service.stdout.lines().find((entry) => entry.msg === 'request');
      assert.equal(line?.path, '/a%22b"c\\d');
    } finally {
      await service.close();
    }
  });
});
