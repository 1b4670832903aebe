// Test load over raw loopback sockets that counts, per request written, whether a complete response came back.
import { connect, type Socket } from 'node:net';

/** What a load run saw. `lost` is the number that matters: requests written that never got a complete response. */
export interface LoadTally {
  written: number;
  answered: number;
  lost: number;
  /** Connections the server closed after a response that did not say Connection: close. */
  closedWithoutNotice: number;
  /** Connection attempts refused (the listener was closed): no request was written on them. */
  refused: number;
  /** Responses that said Connection: close. */
  closeNotices: number;
}

export function emptyTally(): LoadTally {
  return { written: 0, answered: 0, lost: 0, closedWithoutNotice: 0, refused: 0, closeNotices: 0 };
}

export interface LoadOptions {
  readonly port: number;
  /** Parallel clients. */
  readonly clients: number;
  /** Most requests per client (bounds the run). */
  readonly maxRequests: number;
  /** `keep-alive`: one connection per client, reused until the server says close; `close`: a new connection per request. */
  readonly shape: 'keep-alive' | 'close';
  /** Stops every client once this resolves (bounds the run in time). */
  readonly stop: Promise<void>;
}

/** Complete HTTP/1.1 responses at the start of `buffer` (every response of the service has Content-Length). */
function takeResponses(buffer: string): { responses: string[]; rest: string } {
  const responses: string[] = [];
  let rest = buffer;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const head = rest.slice(0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const total = headEnd + 4 + (length === null ? 0 : Number(length[1]));
    if (rest.length < total) break;
    responses.push(head);
    rest = rest.slice(total);
  }
  return { responses, rest };
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: load.test\r\n\r\n';
const CLOSE_REQUEST = 'GET / HTTP/1.1\r\nHost: load.test\r\nConnection: close\r\n\r\n';

/**
 * One client: writes a request, waits for its response, writes the next (no pipelining), as a load balancer does.
 * Resolves when the server refuses a new connection, when `maxRequests` were written, or when `stop` resolves.
 */
async function runClient(options: LoadOptions, tally: LoadTally): Promise<void> {
  let stopped = false;
  void options.stop.then(() => (stopped = true));
  let sent = 0;
  while (!stopped && sent < options.maxRequests) {
    const outcome = await oneConnection(options, tally, () => stopped || sent >= options.maxRequests, () => sent++);
    if (outcome === 'refused') return;
  }
}

/** Runs requests on one connection until the server closes it, or the client is done. */
function oneConnection(options: LoadOptions, tally: LoadTally, done: () => boolean, countSent: () => void): Promise<'closed' | 'refused'> {
  return new Promise((resolve) => {
    const socket: Socket = connect(options.port, '127.0.0.1');
    let connected = false;
    let pending = false;
    let lastSaidClose = false;
    let buffer = '';
    const request = options.shape === 'close' ? CLOSE_REQUEST : REQUEST;
    const send = (): void => {
      if (done()) {
        socket.end();
        return;
      }
      pending = true;
      countSent();
      tally.written++;
      socket.write(request);
    };
    socket.setNoDelay(true);
    socket.on('connect', () => {
      connected = true;
      send();
    });
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const { responses, rest } = takeResponses(buffer);
      buffer = rest;
      for (const head of responses) {
        pending = false;
        tally.answered++;
        lastSaidClose = /\r\nconnection: *close/i.test(head);
        if (lastSaidClose) tally.closeNotices++;
        if (lastSaidClose) socket.end();
        else send();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!connected) {
        tally.refused++;
        resolve('refused');
        return;
      }
      if (pending) tally.lost++;
      else if (!lastSaidClose && !done()) tally.closedWithoutNotice++;
      resolve('closed');
    });
  });
}

/** Runs `clients` clients in parallel into `tally` and resolves when all have finished. */
export async function runLoad(options: LoadOptions, tally: LoadTally): Promise<void> {
  const clients: Promise<void>[] = [];
  for (let index = 0; index < options.clients; index++) clients.push(runClient(options, tally));
  await Promise.all(clients);
}
