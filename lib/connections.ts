// Owns the listening socket: tracks every connection, refuses those over the cap with a 503, and closes them for a drain.
import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { normalizeAddress } from './ip.ts';
import type { Logger } from './log.ts';
import { sendRaw, type RawResponse } from './raw-response.ts';

/**
 * Requests a connection may send in a row while Node has stopped reading it because its responses are unread
 * (node:http pauses a socket once about 16 KiB (Node 20) or 64 KiB (Node 26) of responses wait, but only after
 * parsing the whole chunk it has read, which can hold thousands of pipelined requests). Past this the connection
 * is closed: a client that does not read its answers cannot be answered, and must not grow memory.
 */
const MAX_UNREAD_REQUESTS = 64;

/** One client connection's state, set up once when it is accepted and read on each of its requests. */
export class Connection {
  /** Requests received and not yet answered. */
  inFlight = 0;
  /** A response on this connection said `Connection: close`: nothing parsed after it is answered. */
  closing = false;
  /** Requests received in a row while Node had stopped reading because this connection's responses were unread. */
  unread = 0;
  readonly socket: Socket;
  /** The listener that tracks this connection; undefined for an untracked one. */
  tracker: ConnectionListener | undefined = undefined;

  #peer: string | undefined = undefined;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /**
   * The socket peer, normalised (`::ffff:a.b.c.d` → `a.b.c.d`), read once per connection: `socket.remoteAddress` is
   * a getter through `_getpeername()`, and a keep-alive connection would otherwise read and normalise it per request.
   */
  get peer(): string {
    this.#peer ??= normalizeAddress(this.socket.remoteAddress ?? '');
    return this.#peer;
  }
}

/**
 * The one 'close' listener of every tracked socket. A closure and a `once` wrapper per connection cost about 2 % of
 * the throughput with a new connection per request (wrk A/B, pinned).
 */
function onTrackedSocketClose(this: Socket): void {
  const connection = connectionOf(this);
  connection.tracker?.forget(connection);
}

const CONNECTION = Symbol('connection');

function ignoreError(): void {}

interface TrackedSocket extends Socket {
  [CONNECTION]?: Connection;
}

/** The connection a request arrived on (a socket that did not come through a ConnectionListener gets a fresh, untracked one). */
export function connectionOf(socket: Socket): Connection {
  const tracked = socket as TrackedSocket;
  let connection = tracked[CONNECTION];
  if (connection === undefined) {
    connection = new Connection(socket);
    tracked[CONNECTION] = connection;
  }
  return connection;
}

export interface ConnectionListenerOptions {
  /** Most connections open at once; the next ones get `refusal` and are closed. */
  readonly maxConnections: number;
  /** The 503 sent to a connection over the cap. */
  readonly refusal: RawResponse;
  /** The 408 sent by `closeQuiet` to a connection whose request never finished arriving. */
  readonly unfinished: RawResponse;
  readonly log: Logger;
}

/**
 * The TCP listener in front of the HTTP server. Node's documented way to serve connections accepted elsewhere is
 * `httpServer.emit('connection', socket)`; owning the listener is what lets the service refuse a connection with an
 * answer of its own and stop accepting for a drain without `httpServer.close()`, which closes idle keep-alive
 * connections at once (resetting any whose next request is already on its way) and stops Node's timeout checks.
 */
export class ConnectionListener {
  /** The listening socket: `address()`, `'error'`. */
  readonly tcp: TcpServer;
  readonly #http: HttpServer;
  readonly #options: ConnectionListenerOptions;
  readonly #open = new Set<Connection>();
  /** Connections that have arrived, refused ones included. */
  #arrived = 0;
  #whenEmpty: (() => void) | undefined;

  constructor(http: HttpServer, options: ConnectionListenerOptions) {
    this.#http = http;
    this.#options = options;
    // The options node:http gives the listener it creates for itself.
    this.tcp = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#accept(socket));
    // Node starts the HTTP server's connection tracking (headersTimeout, requestTimeout, closeIdleConnections,
    // closeAllConnections) on its own 'listening' event; a server that never listens itself would have none of it.
    this.tcp.on('listening', () => http.emit('listening'));
  }

  /** Connections open now. */
  get size(): number {
    return this.#open.size;
  }

  listen(port: number, host: string): void {
    this.tcp.listen(port, host);
  }

  address(): AddressInfo {
    return this.tcp.address() as AddressInfo;
  }

  /**
   * Counts a request that has just arrived on `socket` and returns its connection; undefined when the request must
   * not be answered: a response on this connection already said Connection: close (Node drops what follows), or the
   * client has sent more than MAX_UNREAD_REQUESTS requests in a row without reading the responses (then the
   * connection is closed).
   */
  admit(socket: Socket): Connection | undefined {
    const connection = connectionOf(socket);
    if (connection.closing) return undefined;
    // node:http pauses the socket while too many of its responses wait to be written.
    if (socket.isPaused()) {
      connection.unread++;
      if (connection.unread > MAX_UNREAD_REQUESTS) {
        connection.closing = true;
        this.#options.log.warn('closed a connection that kept sending requests without reading the responses', {
          client: connection.peer,
          unread_requests: connection.unread,
        });
        socket.destroy();
        return undefined;
      }
    } else {
      connection.unread = 0;
    }
    connection.inFlight++;
    return connection;
  }

  /** Stops accepting connections; the open ones are left alone. */
  stopAccepting(): void {
    this.tcp.close();
  }

  /**
   * Stops accepting once no connection has arrived for `quietMs`, or at `latestMs` whatever happens, then calls
   * `stopped`. Closing a listening socket resets the connections still in the kernel's accept queue, whose requests
   * may already be written; waiting for a quiet moment leaves that only to a client that connects again after a
   * pause of `quietMs`, or one still connecting at `latestMs`.
   */
  stopAcceptingWhenQuiet(quietMs: number, latestMs: number, stopped: () => void): void {
    const latest = Date.now() + latestMs;
    let arrivedBefore = this.#arrived;
    const check = (): void => {
      const remaining = latest - Date.now();
      if (this.#arrived !== arrivedBefore && remaining > 0) {
        arrivedBefore = this.#arrived;
        setTimeout(check, Math.min(quietMs, remaining));
        return;
      }
      this.stopAccepting();
      stopped();
    };
    setTimeout(check, Math.min(quietMs, latestMs));
  }

  /** Calls `done` as soon as no connection is open: at once if none is. */
  whenEmpty(done: () => void): void {
    this.#whenEmpty = done;
    if (this.#open.size === 0) done();
  }

  /**
   * Closes every connection that has no request in flight: idle keep-alive ones (Node's `closeIdleConnections`: not
   * sending a request, not waiting for a response) and ones that never sent a byte at once, and one whose request
   * has not finished arriving with a 408. A connection whose responses are still being written (its client is not
   * reading) is left to finish. Returns how many were closed each way.
   */
  closeQuiet(): { idle: number; unfinished: number } {
    let idle = 0;
    let unfinished = 0;
    this.#http.closeIdleConnections();
    for (const connection of this.#open) {
      const { socket } = connection;
      if (socket.destroyed) {
        idle++;
      } else if (connection.inFlight === 0 && !connection.closing && socket.writableLength === 0) {
        connection.closing = true;
        // Node counts a connection that never sent anything as active (its headers timeout runs from the connect).
        if (socket.bytesRead === 0) {
          idle++;
          socket.destroy();
        } else {
          unfinished++;
          sendRaw(socket, this.#options.unfinished, this.#options.log, { method: null, path: null, reason: 'drain' });
        }
      }
    }
    return { idle, unfinished };
  }

  /** Destroys every open connection. */
  closeAll(): void {
    for (const connection of this.#open) connection.socket.destroy();
  }

  #accept(socket: Socket): void {
    this.#arrived++;
    if (this.#open.size >= this.#options.maxConnections) {
      // Nothing else listens on this socket: a reset from the client must not become an uncaught 'error'.
      socket.on('error', ignoreError);
      sendRaw(socket, this.#options.refusal, this.#options.log, { method: null, path: null, reason: 'connection_limit' });
      return;
    }
    const connection = connectionOf(socket);
    connection.tracker = this;
    this.#open.add(connection);
    socket.on('close', onTrackedSocketClose);
    this.#http.emit('connection', socket);
  }

  /** Forgets a connection whose socket has closed. */
  forget(connection: Connection): void {
    this.#open.delete(connection);
    if (this.#open.size === 0) this.#whenEmpty?.();
  }
}
