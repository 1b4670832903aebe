// The route table and the final pipeline stage: GET/HEAD / and /health, OPTIONS, 404 and 405.
//
// Replace this file with your own routes: only lib/app.ts imports it, and needs `createRouter` and `ALLOW` from it.
// Keep answering HEALTH_PATH (service-state.ts), 503 while draining: the load balancer and the container health
// check use it.
import { jsonBody, PROBLEMS, problemBody, type Body } from './body.ts';
import type { Config } from './config.ts';
import type { Exchange, Stage } from './exchange.ts';
import type { Responder } from './respond.ts';
import { HEALTH_PATH, type ServiceState } from './service-state.ts';

/** Methods every route answers; OPTIONS answers 204 with Allow (CORS preflights are answered earlier). */
const ROUTE_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
/** The Allow value: the methods every route answers (also sent for OPTIONS * and with the 405 to CONNECT). */
export const ALLOW = ROUTE_METHODS.join(', ');

interface Route {
  /** Answers a GET or HEAD. */
  readonly get: (exchange: Exchange) => void;
}

/** Builds the router stage; every body it can send is serialised here, once. */
export function createRouter(config: Config, state: ServiceState, responder: Responder): Stage {
  const hello = jsonBody({ message: 'Hello, World' });
  const health: Body = jsonBody(
    config.appCommit === undefined
      ? { status: 'ok', version: config.appVersion }
      : { status: 'ok', version: config.appVersion, commit: config.appCommit },
  );
  const draining = jsonBody({ status: 'draining' });
  const methodNotAllowed = problemBody(405, `This resource supports ${ALLOW}.`);

  const routes = new Map<string, Route>([
    ['/', { get: (exchange) => responder.send(exchange, 200, hello) }],
    [
      HEALTH_PATH,
      {
        // While draining, the ALB must see the task as unhealthy so it stops routing to it.
        get: (exchange) => (state.draining ? responder.send(exchange, 503, draining) : responder.send(exchange, 200, health)),
      },
    ],
  ]);

  return function route(exchange: Exchange): boolean {
    const found = routes.get(exchange.path);
    if (found === undefined) {
      responder.send(exchange, 404, PROBLEMS.notFound);
      return true;
    }
    const { method } = exchange;
    if (method === 'GET' || method === 'HEAD') {
      found.get(exchange);
      return true;
    }
    exchange.headers.push('Allow', ALLOW);
    if (method === 'OPTIONS') responder.send(exchange, 204, null);
    else responder.send(exchange, 405, methodNotAllowed);
    return true;
  };
}
