// The deploy's health wait: what it reports when the overall deadline cuts an attempt short.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { waitForHealthyCommit } from '../scripts/lib/health-wait.ts';

test('an attempt cut short by the deadline keeps the last real answer as the reason', async () => {
  // The first request is answered with the old commit; every later one hangs until the test ends.
  const hanging: ServerResponse[] = [];
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    if (requests === 1) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok","version":"1.0.0","commit":"v3"}');
    } else {
      hanging.push(res);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const result = await waitForHealthyCommit({ serviceUrl: `http://127.0.0.1:${port}`, expectedCommit: 'v4', timeoutMs: 400, intervalMs: 50 });
    assert.equal(result.kind, 'timed-out');
    assert.ok(result.attempts >= 2, 'a second attempt was made and cut by the deadline');
    assert.equal(result.lastStatus, '200 status="ok" commit="v3"');
  } finally {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close();
  }
});
