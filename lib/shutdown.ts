// Graceful shutdown: fail the health check, stop accepting, answer what arrives, close what is quiet, exit by the deadline.
import type { ConnectionListener } from './connections.ts';
import type { Logger } from './log.ts';
import type { ServiceState } from './service-state.ts';

/**
 * The listener keeps accepting during the drain until no connection has arrived for this long, and at most until
 * half the deadline (Envoy's graceful drain keeps its listeners open too): a load balancer or a Kubernetes Service
 * can still send new connections for a moment after the signal, and closing the listening socket resets the ones
 * waiting in the kernel's accept queue.
 */
const DRAIN_QUIET_MS = 250;

/**
 * How long a connection without a request in flight is kept open after the listener has closed: a request its
 * client has sent (or is sending) meanwhile is answered, with `Connection: close`. nginx closes idle keep-alive
 * connections at once on a graceful stop, which resets a request already on its way; one second covers any client
 * that is active.
 */
const DRAIN_GRACE_MS = 1000;

export interface ShutdownOptions {
  readonly listener: ConnectionListener;
  readonly state: ServiceState;
  readonly log: Logger;
  readonly timeoutMs: number;
  readonly exit: (code: number) => void;
}

/**
 * Returns the signal handler. First signal: /health answers 503 (ServiceState.draining) and every connection closes
 * after the response to its last request in flight, which says `Connection: close`. New connections are still
 * answered (the same way) until none has arrived for DRAIN_QUIET_MS, or half the deadline has passed; then the
 * listener closes and, DRAIN_GRACE_MS later, connections with nothing in flight are closed: idle and silent ones at
 * once, one whose request is still arriving with a 408. The process exits 0 when the last connection has closed; at
 * the deadline (SHUTDOWN_TIMEOUT_MS) the remaining connections are cut and it exits 1. A second signal exits 1 at once.
 */
export function createShutdown(options: ShutdownOptions): (signal: string) => void {
  const { listener, state, log, timeoutMs, exit } = options;
  let started = false;

  const finish = (code: number): void => {
    log.flush();
    exit(code);
  };

  return function shutdown(signal: string): void {
    if (started) {
      log.warn('second signal: exiting now', { signal });
      finish(1);
      return;
    }
    started = true;
    state.draining = true;
    log.info('draining', { signal, timeout_ms: timeoutMs, open_connections: listener.size });
    const deadline = setTimeout(() => {
      log.warn('shutdown deadline reached: closing open connections', { timeout_ms: timeoutMs, open_connections: listener.size });
      listener.closeAll();
      finish(1);
    }, timeoutMs);
    deadline.unref();
    // Accepting stops by half the deadline at the latest, leaving the other half to the requests in flight.
    listener.stopAcceptingWhenQuiet(DRAIN_QUIET_MS, timeoutMs / 2, () => {
      log.info('listener closed', { open_connections: listener.size });
      const grace = setTimeout(() => {
        const closed = listener.closeQuiet();
        log.info('drain grace over', { closed_idle: closed.idle, answered_unfinished: closed.unfinished, open_connections: listener.size });
      }, DRAIN_GRACE_MS);
      grace.unref();
      listener.whenEmpty(() => {
        clearTimeout(deadline);
        clearTimeout(grace);
        log.info('stopped', { signal });
        finish(0);
      });
    });
  };
}
