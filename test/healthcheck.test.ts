// The container health-check script against a live, a draining and a dead service.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freePort, NodeProcess, startService } from './helpers/http.ts';

describe('scripts/healthcheck.ts', () => {
  test('exits 0 against a live service', async () => {
    const service = await startService();
    try {
      const result = await new NodeProcess('scripts/healthcheck.ts', { PORT: String(service.port) }).exited;
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await service.close();
    }
  });

  test('exits 1 while the service drains (503)', async () => {
    const service = await startService();
    try {
      service.state.draining = true;
      const result = await new NodeProcess('scripts/healthcheck.ts', { PORT: String(service.port) }).exited;
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^healthcheck: http:\/\/127\.0\.0\.1:\d+\/health answered 503\n$/);
    } finally {
      await service.close();
    }
  });

  test('exits 1 with one line when nothing listens', async () => {
    const port = await freePort();
    const result = await new NodeProcess('scripts/healthcheck.ts', { PORT: String(port) }).exited;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^healthcheck: http:\/\/127\.0\.0\.1:\d+\/health unreachable: ECONNREFUSED\n$/);
  });

  test('exits 1 on a PORT that is not a port', async () => {
    const result = await new NodeProcess('scripts/healthcheck.ts', { PORT: 'eighty' }).exited;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PORT="eighty" is not a port number/);
  });
});
