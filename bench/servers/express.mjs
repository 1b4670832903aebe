// Benchmark peer: express 5 with helmet, cors and express-rate-limit, configured like the service.
import express from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { rateLimit } from 'express-rate-limit';

const app = express();
app.set('trust proxy', process.env.BENCH_TRUSTED_PROXY);
app.use(helmet());
app.use(cors({ origin: [process.env.BENCH_ORIGIN] }));
// The limiter runs on every request; the limit is high enough never to answer 429, as for the service.
app.use(rateLimit({ windowMs: 60_000, limit: Number(process.env.BENCH_LIMIT_PER_MINUTE), standardHeaders: 'draft-8', legacyHeaders: false }));

app.get('/', (_req, res) => res.json({ message: 'Hello, World' }));
app.get('/health', (_req, res) => res.json({ status: 'ok' }));

app.listen(Number(process.env.PORT), '127.0.0.1');
