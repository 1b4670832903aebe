// The service: the request pipeline, stage by stage in order, and the hardened node:http server it runs in.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PROBLEMS } from './body.ts';
import { createClientErrorHandler } from './client-error.ts';
import { createClientIpStage } from './client-ip.ts';
import type { Config } from './config.ts';
import { ConnectionListener, connectionOf } from './connections.ts';
import { createCorsStage } from './cors.ts';
import { splitTarget, type Exchange, type Stage } from './exchange.ts';
import { createHttpsStage } from './https.ts';
import type { Logger } from './log.ts';
import { createPipeline } from './pipeline.ts';
import { createHostStage, createProtocolStage, createTargetStage } from './protocol.ts';
import { createRateLimitKey } from './rate-limit-key.ts';
import { createRateLimitStage, RateLimiter } from './rate-limit.ts';
import { rawResponse, sendRaw } from './raw-response.ts';
import { createBodyLimitStage } from './request-body.ts';
import { Responder } from './respond.ts';
import { ALLOW, createRouter } from './routes.ts';
import { securityHeaders } from './security-headers.ts';
import type { ServiceState } from './service-state.ts';

/** Longer than the ALB's 60 s idle timeout: the load balancer, not the task, must close idle connections (else 502s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;
const REQUEST_TIMEOUT_MS = 90_000;
/**
 * How often Node checks the headers and request timeouts. Its default, 30 s, lets a timeout fire up to 30 s late
 * (66 s became 66–96 s); at 1 s they fire within a second of their values, for a check that walks only the
 * connections with a request in progress.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;
const MAX_HEADER_BYTES = 16_384;
/** Retry-After on the 503 for a connection over the cap. */
const CONNECTION_LIMIT_RETRY_AFTER_S = 1;
/** How often full rate-limit buckets are forgotten (they carry no state). */
const RATE_LIMIT_SWEEP_MS = 10_000;
/** How long a bucket stays full before that sweep forgets it: a client back within a minute keeps its entry. */
const RATE_LIMIT_IDLE_MS = 60_000;

export interface App {
  /** The HTTP server; it never listens itself: the listener hands it its connections. */
  readonly server: Server;
  readonly listener: ConnectionListener;
  readonly state: ServiceState;
  /** The rate limiter, when enabled. */
  readonly limiter: RateLimiter | undefined;
}

export interface AppOptions {
  /** Stages run just before the router: the place for your own stages (and for tests). */
  readonly extraStages?: readonly Stage[];
  /**
   * The service's clock in milliseconds, read once per request: when it arrived (the rate limiter's time) and, for the
   * access line, when it was answered. Monotonic performance.now() unless a test injects its own.
   */
  readonly clock?: () => number;
}

export function createApp(config: Config, log: Logger, options: AppOptions = {}): App {
  const state: ServiceState = { draining: false };
  const headerPairs = securityHeaders(config.hstsMaxAge);
  const clock = options.clock ?? (() => performance.now());
  const responder = new Responder(headerPairs, log, state, clock);
  const limiter = createLimiter(config, log, clock);

  // The pipeline, in order. A stage answers the request, passes it on, or takes it and passes it on later (only the
  // body limit does, for a chunked body). The router (routes.ts) answers whatever reaches it.
  const stages: Stage[] = [
    // 413 for a body over MAX_BODY_BYTES; a chunked body is counted to its end before the next stage runs.
    createBodyLimitStage(responder),
    // 505 for a version other than HTTP/1.x, 431 for more than MAX_HEADER_COUNT header lines.
    createProtocolStage(responder),
    // 400 for an HTTP/1.1 request without Host, or with two Host lines.
    createHostStage(responder),
    // OPTIONS * and absolute-form targets (http://host/path is routed as /path).
    createTargetStage(ALLOW, responder),
    // The client's address: the socket peer, or X-Forwarded-For's client when the peer is a trusted proxy.
    createClientIpStage(config.trustedProxies, log),
  ];
  // 301/308 to https:// for a request a trusted proxy received over plain HTTP.
  if (config.forceHttps) stages.push(createHttpsStage(config.publicHostname, responder));
  // Preflights answered (204/403); CORS headers added to everything else.
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
  // RateLimit headers, 429 when the client's bucket is empty.
  if (limiter !== undefined) stages.push(createRateLimitStage(limiter, createRateLimitKey(config.ipv6KeyPrefix), responder));
  stages.push(...(options.extraStages ?? []), createRouter(config, state, responder));
  const pipeline = createPipeline(stages, responder, log);

  const server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
    // Checked by the Host stage so the answer is problem+json with the full header block.
    requireHostHeader: false,
    // Repeated header lines joined with ", " (RFC 9110 §5.3) instead of Node's default of keeping only the first
    // line of some fields: a second Host line must be seen to be refused.
    joinDuplicateHeaders: true,
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // No limit in Node: on Node 20 it drops lines past the limit silently, on 26 it answers 431 itself. The protocol
  // stage counts them instead, the same on both.
  server.maxHeadersCount = 0;
  server.maxRequestsPerSocket = 0;

  const listener = new ConnectionListener(server, {
    maxConnections: config.maxConnections,
    refusal: rawResponse(503, headerPairs, PROBLEMS.connectionLimit, ['Retry-After', String(CONNECTION_LIMIT_RETRY_AFTER_S)]),
    unfinished: rawResponse(408, headerPairs, PROBLEMS.requestTimeout),
    log,
  });

  /** Counts the request on its connection and builds its exchange; undefined when it must not be answered. */
  const admit = (req: IncomingMessage, res: ServerResponse): Exchange | undefined => {
    const connection = listener.admit(req.socket);
    if (connection === undefined) return undefined;
    const { path, query } = splitTarget(req.url ?? '/');
    return {
      req,
      res,
      method: req.method ?? 'GET',
      path,
      query,
      startedAt: clock(),
      client: connection.peer,
      forwardedProto: undefined,
      headers: responder.newHeaders(),
      closeConnection: false,
      connection,
    };
  };

  /**
   * While draining, a request is answered on the next turn of the event loop, once Node has parsed everything it
   * read with it: then the connection knows which of its requests is the last, whose response says Connection: close.
   */
  const start = (exchange: Exchange, answer: (exchange: Exchange) => void): void => {
    if (state.draining) setImmediate(answer, exchange);
    else answer(exchange);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const exchange = admit(req, res);
    if (exchange !== undefined) start(exchange, pipeline);
  });

  // What never reaches the pipeline. Expect other than 100-continue: without this listener Node answers a bare 417.
  const expectationFailed = (exchange: Exchange): void => {
    exchange.closeConnection = true;
    responder.send(exchange, 417, PROBLEMS.expectationFailed);
  };
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const exchange = admit(req, res);
    if (exchange !== undefined) start(exchange, expectationFailed);
  });

  // CONNECT: without this listener Node closes the socket without a word. Answered like nginx: 405, then closed.
  const connectRefused = rawResponse(405, headerPairs, PROBLEMS.connectNotSupported, ['Allow', ALLOW]);
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    connectionOf(socket).closing = true;
    sendRaw(socket, connectRefused, log, { method: 'CONNECT', path: req.url ?? '', reason: 'connect' });
  });
  // Requests the parser rejects (malformed, headers too large, too slow): answered on the raw socket.
  server.on('clientError', createClientErrorHandler(headerPairs, log));

  if (limiter !== undefined) {
    const sweeper = setInterval(() => limiter.sweepIdle(RATE_LIMIT_IDLE_MS), RATE_LIMIT_SWEEP_MS);
    sweeper.unref();
    listener.tcp.on('close', () => clearInterval(sweeper));
  }
  return { server, listener, state, limiter };
}

/** The rate limiter, or undefined (with a warning) when RATE_LIMIT_PER_MINUTE is 0. */
function createLimiter(config: Config, log: Logger, clock: () => number): RateLimiter | undefined {
  if (config.rateLimitPerMinute <= 0) {
    log.warn('rate limiting is disabled (RATE_LIMIT_PER_MINUTE=0)');
    return undefined;
  }
  return new RateLimiter({
    burst: config.rateLimitBurst,
    perMinute: config.rateLimitPerMinute,
    maxClients: config.rateLimitMaxClients,
    now: clock,
  });
}
