// Runs one autocannon round (the fallback load generator) and prints its JSON result; options come as one JSON argument.
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}');
const clients = Number(options.clients ?? 0);
let counter = 0;

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  headers: options.headers,
  // 1 = a new connection for every request (the "new connection" mode).
  reconnectRate: options.newConnectionPerRequest ? 1 : 0,
  // For the limiter's scale check: X-Forwarded-For from N distinct clients in 198.18.0.0/15 (RFC 2544).
  setupRequest:
    clients > 0
      ? (request) => {
          const n = counter % clients;
          counter += 1;
          request.headers = { ...request.headers, 'x-forwarded-for': `198.${18 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}` };
          return request;
        }
      : undefined,
});
process.stdout.write(`${JSON.stringify(result)}\n`);
