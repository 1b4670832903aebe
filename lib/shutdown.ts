// Graceful shutdown: fail the health check, stop accepting, let in-flight requests finish, exit within the deadline.
import type { Server } from 'node:http';
import type { Logger } from './log.ts';
import type { ServiceState } from './respond.ts';

export interface ShutdownOptions {
  readonly server: Server;
  readonly state: ServiceState;
  readonly log: Logger;
  readonly timeoutMs: number;
  readonly exit: (code: number) => void;
}

/**
 * Returns the signal handler. First signal: /health answers 503 and every response carries
 * `Connection: close` (ServiceState.draining), the listener closes, idle keep-alive sockets close,
 * and the process exits 0 once the last request is done. At the deadline the remaining connections
 * are cut and the process exits 1. A second signal exits 1 at once.
 */
export function createShutdown(options: ShutdownOptions): (signal: string) => void {
  const { server, state, log, timeoutMs, exit } = options;
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
    log.info('draining', { signal, timeout_ms: timeoutMs });
    const deadline = setTimeout(() => {
      log.warn('shutdown deadline reached: closing open connections', { timeout_ms: timeoutMs });
      server.closeAllConnections();
      finish(1);
    }, timeoutMs);
    deadline.unref();
    server.close(() => {
      clearTimeout(deadline);
      log.info('stopped', { signal });
      finish(0);
    });
    server.closeIdleConnections();
  };
}
