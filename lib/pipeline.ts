// Runs the stages in order, handing each the continuation to the ones after it; 404 when none answers, 500 when one throws.
import { PROBLEMS } from './body.ts';
import type { Exchange, Next, Stage } from './exchange.ts';
import type { Logger } from './log.ts';
import type { Responder } from './respond.ts';

/**
 * Returns the pipeline's entry. A stage that returns false passes the request to the next one in the same call; a
 * stage that takes the request and goes on later calls the `next` it was given, which runs the stages after it. The
 * continuations are built here, once: a request that passes straight through allocates nothing. A request that every
 * stage passes on gets 404.
 */
export function createPipeline(stages: readonly Stage[], responder: Responder, log: Logger): Next {
  const fail = (exchange: Exchange, error: unknown): void => {
    log.error('request failed', { error, method: exchange.method, path: exchange.path });
    if (exchange.res.headersSent) {
      exchange.res.destroy();
      return;
    }
    responder.dropStageHeaders(exchange);
    responder.send(exchange, 500, PROBLEMS.internalError);
  };

  const continuations: Next[] = [];
  const runFrom = (exchange: Exchange, first: number): void => {
    try {
      for (let index = first; index < stages.length; index++) {
        if ((stages[index] as Stage)(exchange, continuations[index] as Next)) return;
      }
      // No stage took the request: a router that answers only its own paths leaves the rest to this 404.
      responder.send(exchange, 404, PROBLEMS.notFound);
    } catch (error) {
      fail(exchange, error);
    }
  };
  for (let index = 0; index < stages.length; index++) {
    continuations.push((exchange) => runFrom(exchange, index + 1));
  }
  return (exchange) => runFrom(exchange, 0);
}
