// Benchmark peer: fastify 5 with @fastify/helmet, @fastify/cors and @fastify/rate-limit, configured like the service.
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';

const app = Fastify({ logger: false, trustProxy: process.env.BENCH_TRUSTED_PROXY });
await app.register(helmet);
await app.register(cors, { origin: [process.env.BENCH_ORIGIN] });
// The limiter runs on every request; the limit is high enough never to answer 429, as for the service.
await app.register(rateLimit, { max: Number(process.env.BENCH_LIMIT_PER_MINUTE), timeWindow: 60_000 });

app.get('/', async () => ({ message: 'Hello, World' }));
app.get('/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
