// Graceful shutdown of the real process: in-flight requests finish, idle sockets close, new connections are refused.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeProcess, request, startService } from './helpers/http.ts';
import { emptyTally, runLoad } from './helpers/load.ts';

async function openSocket(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return { socket, received: () => data };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  test('SIGTERM: a slow request completes, /health says draining, idle sockets close, new connections are refused, exit 0', async () => {
    const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1' });
    const port = await service.listening();

    // A slow request in flight: its chunked body is only half sent.
    const slow = await openSocket(port);
    slow.socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    // A request whose headers have started but not ended: it will be answered after the signal.
    const late = await openSocket(port);
    late.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // An idle keep-alive connection.
    const idle = await openSocket(port);
    idle.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => idle.received().includes('Hello, World'), 'the idle connection’s first response');
    const idleClosed = once(idle.socket, 'close');
    await sleep(50);

    service.kill('SIGTERM');
    await waitFor(() => service.logLines().some((line) => line.msg === 'draining'), 'the draining log line');
    late.socket.write('\r\n');
    await waitFor(() => late.received().includes('draining'), 'the health answer while draining');
    assert.match(late.received(), /^HTTP\/1\.1 503 /);
    assert.match(late.received(), /\r\nConnection: close\r\n/);
    assert.match(late.received(), /\{"status":"draining"\}$/);

    await idleClosed;
    assert.equal(idle.received().match(/HTTP\/1\.1 /g)?.length, 1, 'the idle connection was closed without another answer');
    assert.equal(await connectionRefused(port), true, 'new connections are refused');

    slow.socket.write('0\r\n\r\n');
    const result = await service.exited;
    assert.match(slow.received(), /^HTTP\/1\.1 405 /, 'the in-flight request got its answer');
    assert.match(slow.received(), /\r\nConnection: close\r\n/);
    assert.equal(result.code, 0);
    const messages = service.logLines().map((line) => line.msg);
    assert.ok(messages.includes('stopped'));
  });

  test('SIGTERM with a silent and a half-sent connection open: the silent one is closed, the half-sent one gets 408, exit 0 long before the deadline', async () => {
    const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '20000' });
    const port = await service.listening();
    const silent = await openSocket(port);
    const halfSent = await openSocket(port);
    halfSent.socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const closed = Promise.all([once(silent.socket, 'close'), once(halfSent.socket, 'close')]);
    await sleep(50);

    service.kill('SIGTERM');
    const result = await service.exited;
    await closed;
    assert.equal(result.code, 0, `exit code 0, not the deadline's 1: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /deadline/);
    assert.equal(silent.received(), '', 'nothing is sent to a connection that never asked');
    assert.match(halfSent.received(), /^HTTP\/1\.1 408 /);
    assert.match(halfSent.received(), /\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
    assert.match(halfSent.received(), /\r\nX-Frame-Options: DENY\r\n/);
    assert.match(halfSent.received(), /\r\nConnection: close\r\n/);
    const grace = service.logLines().find((line) => line.msg === 'drain grace over');
    assert.deepEqual([grace?.closed_idle, grace?.answered_unfinished], [1, 1]);
    const access = service.logLines().filter((line) => line.msg === 'request');
    assert.deepEqual(access.map((line) => [line.status, line.reason]), [[408, 'drain']]);
  });

  test('SIGTERM: requests pipelined in one write are all answered, and only the last response says Connection: close', async () => {
    const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1' });
    const port = await service.listening();
    const client = await openSocket(port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => client.received().includes('Hello, World'), 'the first response');
    const closed = once(client.socket, 'close');
    service.kill('SIGTERM');
    await waitFor(() => service.logLines().some((line) => line.msg === 'draining'), 'the draining log line');
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    const result = await service.exited;
    const statuses = [...client.received().matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    assert.deepEqual(statuses, ['200', '200', '503', '404']);
    const heads = client.received().split('HTTP/1.1 ').slice(1);
    assert.deepEqual(
      heads.map((head) => /\r\nConnection: close\r\n/.test(head)),
      [false, false, false, true],
    );
    assert.equal(result.code, 0);
  });

  for (const shape of ['keep-alive', 'close'] as const) {
    test(`SIGTERM under ${shape} load: no request written is left unanswered, and the process exits 0`, async () => {
      const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_PER_MINUTE: '60000000' });
      const port = await service.listening();
      const tally = emptyTally();
      const clients = 20;
      const load = runLoad({ port, clients, maxRequests: 100, shape, stop: sleep(20_000) }, tally);
      await waitFor(() => tally.answered >= 300, 'load to be flowing');
      const answeredBefore = tally.answered;
      service.kill('SIGTERM');
      await load;
      const result = await service.exited;
      assert.equal(tally.lost, 0, `requests written and never answered: ${JSON.stringify(tally)}`);
      assert.equal(tally.closedWithoutNotice, 0, 'every connection the server closed was told so by its last response');
      assert.ok(tally.answered > answeredBefore, 'requests were answered during the drain');
      if (shape === 'keep-alive') assert.ok(tally.closeNotices >= clients, 'each connection was told to close');
      assert.equal(result.code, 0, result.stderr);
    });
  }

  test('clients that never stop connecting are refused from half the deadline on, and the process still exits 0', async () => {
    const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '3000' });
    const port = await service.listening();
    const tally = emptyTally();
    // Stopped only by a refused connection (or after 20 s, which fails the test below).
    const load = runLoad({ port, clients: 5, maxRequests: 1_000_000, shape: 'close', stop: sleep(20_000) }, tally);
    await waitFor(() => tally.answered >= 50, 'load to be flowing');
    service.kill('SIGTERM');
    await load;
    const result = await service.exited;
    assert.equal(tally.refused, 5, `every client was refused in the end: ${JSON.stringify(tally)}`);
    assert.equal(result.code, 0, result.stderr);
  });

  test('SHUTDOWN_TIMEOUT_MS: a request that never finishes is cut and the process exits anyway', async () => {
    const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '300' });
    const port = await service.listening();
    const stuck = await openSocket(port);
    stuck.socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    await sleep(50);
    const closed = once(stuck.socket, 'close');
    service.kill('SIGTERM');
    const result = await service.exited;
    await closed;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /shutdown deadline reached/);
  });

  test('a second signal exits at once', async () => {
    const service = new NodeProcess('server.ts', { PORT: '0', HOST: '127.0.0.1' });
    const port = await service.listening();
    const stuck = await openSocket(port);
    stuck.socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    await sleep(50);
    service.kill('SIGINT');
    await waitFor(() => service.logLines().some((line) => line.msg === 'draining'), 'the draining log line');
    service.kill('SIGINT');
    const result = await service.exited;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /second signal/);
    stuck.socket.destroy();
  });
});

describe('draining state', () => {
  test('every response carries Connection: close and /health answers 503', async () => {
    const service = await startService();
    try {
      service.state.draining = true;
      const health = await request(service.port, { path: '/health', headers: { connection: 'keep-alive' } });
      assert.equal(health.status, 503);
      assert.deepEqual(JSON.parse(health.body), { status: 'draining' });
      assert.equal(health.headers.connection, 'close');
      const hello = await request(service.port, { headers: { connection: 'keep-alive' } });
      assert.equal(hello.status, 200);
      assert.equal(hello.headers.connection, 'close');
    } finally {
      await service.close();
    }
  });
});
