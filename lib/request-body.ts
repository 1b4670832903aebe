// Pipeline stage: refuses a request body over MAX_BODY_BYTES with 413, counting a chunked one as it streams, never buffering it.
import { MAX_BODY_BYTES, PROBLEMS } from './body.ts';
import type { Exchange, Next, Stage } from './exchange.ts';
import type { Responder } from './respond.ts';

/**
 * First in the pipeline. A declared Content-Length over the limit is refused at once. A body of unknown length
 * (Transfer-Encoding) is read and counted as it arrives: refused as soon as it passes the limit, or handed to the rest
 * of the pipeline once it has ended. A refusal closes the connection, which still has body bytes on their way. A
 * body within its Content-Length is left alone: Node discards what is unread once the response has been sent.
 */
export function createBodyLimitStage(responder: Responder): Stage {
  const refuse = (exchange: Exchange): void => {
    exchange.closeConnection = true;
    responder.send(exchange, 413, PROBLEMS.payloadTooLarge);
  };

  const countThenContinue = (exchange: Exchange, next: Next): void => {
    let received = 0;
    let answered = false;
    exchange.req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES && !answered) {
        answered = true;
        refuse(exchange);
      }
    });
    exchange.req.on('end', () => {
      if (answered) return;
      answered = true;
      next(exchange);
    });
  };

  return function bodyLimit(exchange: Exchange, next: Next): boolean {
    const { headers } = exchange.req;
    const declaredLength = headers['content-length'];
    if (declaredLength !== undefined && Number(declaredLength) > MAX_BODY_BYTES) {
      refuse(exchange);
      return true;
    }
    if (headers['transfer-encoding'] === undefined) return false;
    countThenContinue(exchange, next);
    return true;
  };
}
