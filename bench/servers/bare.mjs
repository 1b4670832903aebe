// Benchmark baseline: bare node:http answering every request with the service's JSON body and nothing else.
import { createServer } from 'node:http';

const body = Buffer.from(JSON.stringify({ message: 'Hello, World' }));
const headers = ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(body.length)];

createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
