// Pipeline stage: redirects plain-HTTP requests that reached the ALB to HTTPS, except the health check.
import { problemBody } from './body.ts';
import type { Exchange, Stage } from './exchange.ts';
import { isValidHost } from './host.ts';
import type { Responder } from './respond.ts';
import { HEALTH_PATH } from './service-state.ts';

/**
 * Only a request that a trusted proxy marked `X-Forwarded-Proto: http` is redirected (Talisman's rule,
 * without its redirect of requests that carry no such header). 301 keeps GET/HEAD semantics; 308 keeps
 * the method and body of anything else, where a 301/302 would turn a POST into a GET.
 */
export function createHttpsStage(publicHostname: string | undefined, responder: Responder): Stage {
  const badHost = problemBody(400, 'The Host header is not a valid host[:port], so there is no HTTPS URL to redirect to.');

  return function enforceHttps(exchange: Exchange): boolean {
    // ALB health checks talk plain HTTP straight to the task; redirecting them would fail every task.
    if (exchange.forwardedProto !== 'http' || exchange.path === HEALTH_PATH) return false;
    let host = publicHostname;
    if (host === undefined) {
      const requested = exchange.req.headers.host;
      if (requested === undefined || !isValidHost(requested)) {
        responder.send(exchange, 400, badHost);
        return true;
      }
      host = requested;
    }
    // The protocol stage has already turned an absolute-form target into its path; anything else goes to the root.
    const target = exchange.path.startsWith('/') ? exchange.path + exchange.query : '/';
    exchange.headers.push('Location', `https://${host}${target}`);
    const permanent = exchange.method === 'GET' || exchange.method === 'HEAD' ? 301 : 308;
    responder.send(exchange, permanent, null);
    return true;
  };
}
