// Benchmark baselines "bare + headers" (and "+ peer address"): node:http sending the service's response header block as one constant array.
import { createServer } from 'node:http';

const body = Buffer.from(JSON.stringify({ message: 'Hello, World' }));
// The harness captures the block from the running service (BENCH_HEADERS, a flat JSON array of names and values).
const captured = JSON.parse(process.env.BENCH_HEADERS ?? '[]');
if (!Array.isArray(captured) || captured.length === 0 || captured.length % 2 !== 0) {
  process.stderr.write('BENCH_HEADERS must be a flat JSON array [name, value, ...] captured from the service\n');
  process.exit(2);
}
// No logic at all: the same array every time, through the cheapest documented call (writeHead with a flat array).
const headers = [...captured.map(String), 'Content-Length', String(body.length)];

const bare = (_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
};
// BENCH_READ_PEER=1 adds the one thing any per-client limiter must do: read the socket's peer address (one
// getpeername per connection, which node:http caches on the socket).
const readingPeer = (req, res) => {
  if (req.socket.remoteAddress === undefined) {
    res.destroy();
    return;
  }
  res.writeHead(200, headers);
  res.end(body);
};

createServer(process.env.BENCH_READ_PEER === '1' ? readingPeer : bare).listen(Number(process.env.PORT), '127.0.0.1');
