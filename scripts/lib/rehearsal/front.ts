// The stand-in for the ALB: an HTTP listener that redirects to HTTPS and an HTTPS listener that forwards to the targets.
import { once } from 'node:events';
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { problemBody } from '../../../lib/body.ts';
import { isValidHost } from '../../../lib/host.ts';
import { normalizeAddress } from '../../../lib/ip.ts';
import { forwardedRequestHeaders, withoutHopByHop } from './forwarded-headers.ts';
import type { TargetGroup } from './target-group.ts';

/** Loopback only: a rehearsal is for this machine, not the network. */
export const FRONT_HOST = '127.0.0.1';

export interface FrontOptions {
  /** 0 picks a free port. */
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly certificate: { readonly key: string; readonly cert: string };
  readonly idleTimeoutMs: number;
  readonly redirectStatus: number;
  readonly targets: TargetGroup;
  /** The headers the front's own error answers carry: the service's security block. */
  readonly errorHeaders: ReadonlyArray<readonly [string, string]>;
}

export interface Front {
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Stops listening and closes idle client connections; `force` also cuts the busy ones. */
  close(force?: boolean): Promise<void>;
}

/** The host part of a valid Host header, without the port: the ALB redirect's #{host}. */
function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

async function listen(server: Server, port: number): Promise<number> {
  server.listen(port, FRONT_HOST);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export async function startFront(options: FrontOptions): Promise<Front> {
  const { targets, idleTimeoutMs } = options;
  const flatErrorHeaders: string[] = [];
  for (const [name, value] of options.errorHeaders) flatErrorHeaders.push(name, value);

  /** An answer of the front's own, as problem+json with the service's headers (the ALB's error page, in the service's format). */
  const answer = (req: IncomingMessage, res: ServerResponse, status: number, detail: string): void => {
    const body = problemBody(status, detail);
    res.writeHead(status, [...flatErrorHeaders, ...body.headers]);
    if (req.method === 'HEAD') res.end();
    else res.end(body.bytes);
  };

  let httpsPort = options.httpsPort;

  /** Port 80's only rule: everything, /health included, goes to the same URL over HTTPS. */
  const redirect = (req: IncomingMessage, res: ServerResponse): void => {
    const host = req.headers.host;
    if (host === undefined || !isValidHost(host)) {
      answer(req, res, 400, 'The Host header is missing or is not a valid host[:port], so there is no HTTPS URL to redirect to.');
      return;
    }
    const port = httpsPort === 443 ? '' : `:${httpsPort}`;
    const target = req.url?.startsWith('/') === true ? req.url : '/';
    res.writeHead(options.redirectStatus, ['Location', `https://${hostname(host)}${port}${target}`, 'Content-Length', '0']);
    res.end();
  };

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const target = targets.pick();
    if (target === undefined) {
      answer(req, res, 503, 'No replica is registered and in service, so the load balancer has nowhere to send the request.');
      return;
    }
    targets.begin(target);
    const headers = forwardedRequestHeaders(req.rawHeaders, {
      clientAddress: normalizeAddress(req.socket.remoteAddress ?? ''),
      proto: 'https',
      port: httpsPort,
      now: Date.now(),
    });
    const upstream = request({
      host: target.host,
      port: target.port,
      localAddress: FRONT_HOST,
      method: req.method,
      path: req.url,
      headers,
      agent: target.agent,
      // The idle timeout holds on the target side too: a replica silent that long gets a 504, as on the ALB.
      timeout: idleTimeoutMs,
    });
    let timedOut = false;
    upstream.once('close', () => targets.end(target));
    upstream.on('timeout', () => {
      timedOut = true;
      upstream.destroy();
    });
    upstream.on('response', (response) => {
      res.writeHead(response.statusCode ?? 502, response.statusMessage, withoutHopByHop(response.rawHeaders));
      response.pipe(res);
      response.on('error', () => res.destroy());
    });
    upstream.on('error', () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (timedOut) answer(req, res, 504, `${target.name} did not answer within the idle timeout (${idleTimeoutMs / 1000} s).`);
      else answer(req, res, 502, `${target.name} refused or closed the connection before answering.`);
    });
    // A client that goes away takes its request with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const http = createHttpServer(redirect);
  const https = createHttpsServer({ key: options.certificate.key, cert: options.certificate.cert, minVersion: 'TLSv1.2' }, forward);
  for (const server of [http, https]) {
    // The ALB closes a client connection idle for its idle timeout.
    server.keepAliveTimeout = idleTimeoutMs;
  }
  httpsPort = await listen(https, options.httpsPort);
  let httpPort: number;
  try {
    httpPort = await listen(http, options.httpPort);
  } catch (error) {
    https.close();
    throw error;
  }

  return {
    httpPort,
    httpsPort,
    async close(force = false) {
      const closed = [once(http, 'close'), once(https, 'close')];
      for (const server of [http, https]) {
        server.close();
        if (force) server.closeAllConnections();
        else server.closeIdleConnections();
      }
      await Promise.all(closed);
    },
  };
}
