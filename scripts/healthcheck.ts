// Container health check: GET http://127.0.0.1:$PORT/health within 3 s; exit 0 on 200, else 1 with one line saying why.
import { request } from 'node:http';
import { HEALTH_PATH } from '../lib/service-state.ts';

const TIMEOUT_MS = 3000;
const DEFAULT_PORT = 8080;

function fail(reason: string): never {
  process.stderr.write(`healthcheck: ${reason}\n`);
  process.exit(1);
}

const rawPort = process.env.PORT ?? String(DEFAULT_PORT);
const port = Number(rawPort);
if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
  fail(`PORT=${JSON.stringify(rawPort)} is not a port number (1-65535)`);
}

const url = `http://127.0.0.1:${port}${HEALTH_PATH}`;
const req = request(url, { method: 'GET', timeout: TIMEOUT_MS, agent: false }, (res) => {
  res.resume();
  res.on('end', () => {
    if (res.statusCode === 200) {
      process.stdout.write(`healthcheck: ${url} answered 200\n`);
      process.exit(0);
    }
    fail(`${url} answered ${res.statusCode ?? 'no status'}`);
  });
});
req.on('timeout', () => {
  req.destroy();
  fail(`${url} did not answer within ${TIMEOUT_MS} ms`);
});
req.on('error', (error: NodeJS.ErrnoException) => {
  fail(`${url} unreachable: ${error.code ?? error.message}`);
});
req.end();
