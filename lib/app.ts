// Composes the request pipeline and the hardened node:http server around it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PROBLEMS } from './body.ts';
import { createClientErrorHandler } from './client-error.ts';
import { createClientIpStage, peerAddress } from './client-ip.ts';
import type { Config } from './config.ts';
import { createCorsStage } from './cors.ts';
import { createHttpsStage } from './https.ts';
import { addressKey } from './ip.ts';
import { createRateLimitStage, RateLimiter } from './rate-limit.ts';
import { splitTarget, type Exchange, type Stage } from './exchange.ts';
import type { Logger } from './log.ts';
import { Responder, type ServiceState } from './respond.ts';
import { createRouter } from './routes.ts';
import { securityHeaders } from './security-headers.ts';

/** Longer than the ALB's 60 s idle timeout: the load balancer, not the task, must close idle connections (else 502s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;
export const REQUEST_TIMEOUT_MS = 90_000;
export const MAX_HEADER_BYTES = 16_384;
export const MAX_HEADER_COUNT = 100;
/** No route takes a body; anything larger is refused and the connection is not reused. */
export const MAX_BODY_BYTES = 1024;
/** How often full rate-limit buckets are forgotten (they carry no state). */
export const RATE_LIMIT_SWEEP_MS = 10_000;

export interface App {
  readonly server: Server;
  readonly state: ServiceState;
  /** The rate limiter, when enabled. */
  readonly limiter: RateLimiter | undefined;
}

export interface AppOptions {
  /** Stages run just before the router: the place for your own stages (and for tests). */
  readonly extraStages?: readonly Stage[];
  /** Milliseconds for the rate limiter; monotonic performance.now() unless a test injects its own. */
  readonly clock?: () => number;
}

/** Answers HTTP/1.1 requests without Host (RFC 9112 §3.2) with problem+json instead of Node's bare 400. */
function requireHost(responder: Responder): Stage {
  return (exchange) => {
    const { req } = exchange;
    if (req.headers.host !== undefined || req.httpVersionMajor !== 1 || req.httpVersionMinor === 0) return false;
    exchange.closeConnection = true;
    responder.send(exchange, 400, PROBLEMS.missingHost);
    return true;
  };
}

export function createApp(config: Config, log: Logger, options: AppOptions = {}): App {
  const state: ServiceState = { draining: false };
  const headerPairs = securityHeaders(config.hstsMaxAge);
  const responder = new Responder(headerPairs, log, state);

  let limiter: RateLimiter | undefined;
  if (config.rateLimitPerMinute > 0) {
    limiter = new RateLimiter({
      burst: config.rateLimitBurst,
      perMinute: config.rateLimitPerMinute,
      maxClients: config.rateLimitMaxClients,
      now: options.clock ?? (() => performance.now()),
    });
  } else {
    log.warn('rate limiting is disabled (RATE_LIMIT_PER_MINUTE=0)');
  }
  const keyOf = (client: string): string => addressKey(client, config.ipv6KeyPrefix);

  // The pipeline, in order. A stage answers (returns true) or passes the request on.
  const stages: Stage[] = [requireHost(responder), createClientIpStage(config.trustedProxies, log)];
  if (config.forceHttps) stages.push(createHttpsStage(config.publicHostname, responder));
  stages.push(
    createCorsStage(
      {
        allowedOrigins: config.allowedOrigins,
        allowHeaders: config.corsAllowHeaders,
        maxAge: config.corsMaxAge,
        allowCredentials: config.corsAllowCredentials,
      },
      responder,
    ),
  );
  if (limiter !== undefined) stages.push(createRateLimitStage(limiter, keyOf, responder));
  stages.push(...(options.extraStages ?? []), createRouter(config, state, responder));

  const run = (exchange: Exchange): void => {
    try {
      for (const stage of stages) {
        if (stage(exchange)) return;
      }
    } catch (error) {
      log.error('request failed', { error, method: exchange.method, path: exchange.path });
      if (exchange.res.headersSent) {
        exchange.res.destroy();
        return;
      }
      exchange.headers.length = 0;
      responder.send(exchange, 500, PROBLEMS.internalError);
    }
  };

  /** A body of unknown length (chunked) is counted as it streams, never buffered, and refused past the limit. */
  const runAfterBody = (exchange: Exchange): void => {
    let received = 0;
    let answered = false;
    exchange.req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES && !answered) {
        answered = true;
        exchange.closeConnection = true;
        responder.send(exchange, 413, PROBLEMS.payloadTooLarge);
      }
    });
    exchange.req.on('end', () => {
      if (answered) return;
      answered = true;
      run(exchange);
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const { path, query } = splitTarget(req.url ?? '/');
    const exchange: Exchange = {
      req,
      res,
      method: req.method ?? 'GET',
      path,
      query,
      startedAt: performance.now(),
      client: peerAddress(req),
      forwardedProto: undefined,
      headers: [],
      closeConnection: false,
    };
    const declaredLength = req.headers['content-length'];
    if (declaredLength !== undefined && Number(declaredLength) > MAX_BODY_BYTES) {
      exchange.closeConnection = true;
      responder.send(exchange, 413, PROBLEMS.payloadTooLarge);
      return;
    }
    if (req.headers['transfer-encoding'] !== undefined) {
      runAfterBody(exchange);
      return;
    }
    run(exchange);
  };

  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Checked by requireHost so the answer is problem+json with the full header block.
      requireHostHeader: false,
    },
    handle,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxHeadersCount = MAX_HEADER_COUNT;
  server.maxRequestsPerSocket = 0;
  server.on('clientError', createClientErrorHandler(headerPairs, log));
  if (limiter !== undefined) {
    const sweeper = setInterval(() => limiter.sweep(), RATE_LIMIT_SWEEP_MS);
    sweeper.unref();
    server.on('close', () => clearInterval(sweeper));
  }
  return { server, state, limiter };
}
