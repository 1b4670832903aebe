// One replica: `node dist/server.js` with the task definition's environment, on a free loopback port it reports itself.
import { join } from 'node:path';
import { ExitError } from '../errors.ts';
import { startProcess, type RunResult } from '../process.ts';

/** How long a replica may take to log "listening": far more than the ~0.2 s it takes. */
const START_TIMEOUT_MS = 30_000;
/** Lines of a replica's stderr kept to explain why it failed to start. */
const KEPT_ERROR_LINES = 5;

export interface ReplicaOptions {
  readonly name: string;
  /** The project root: dist/server.js is run from there, as the image runs it from /app. */
  readonly root: string;
  /** The complete environment of the process (nothing is inherited, as in a container). */
  readonly env: Readonly<Record<string, string>>;
  /** Every line the replica writes, as it comes. */
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface Replica {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly exited: Promise<RunResult>;
  /** True until the process has exited. */
  readonly running: () => boolean;
  kill(signal: NodeJS.Signals): void;
}

/** The port from the service's "listening" log line, or undefined for any other line. */
function listeningPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === 'listening' && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

export function describeExit(result: RunResult): string {
  if (result.kind === 'exited') return `exit code ${result.code}`;
  if (result.kind === 'signalled') return `signal ${result.signal}`;
  return result.kind;
}

/** Starts the replica and resolves once it listens; a replica that exits or hangs first is an ExitError saying why. */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const errorLines: string[] = [];
  let announce: ((port: number) => void) | undefined;
  const listening = new Promise<number>((resolve) => {
    announce = resolve;
  });
  let running = true;
  const child = startProcess(process.execPath, [join('dist', 'server.js')], {
    cwd: options.root,
    env: { ...options.env },
    capture: false,
    // The rehearsal decides when and how each replica stops.
    forwardSignals: false,
    onLine(line, stream) {
      options.onLine(line, stream);
      if (stream === 'stderr') errorLines.push(line);
      if (errorLines.length > KEPT_ERROR_LINES) errorLines.shift();
      const port = stream === 'stdout' ? listeningPort(line) : undefined;
      if (port !== undefined) announce?.(port);
    },
  });
  const exited = child.result.finally(() => {
    running = false;
  });
  const pid = child.pid;
  if (pid === undefined) throw new ExitError(1, `${options.name} did not start: ${describeExit(await exited)}`);

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    listening,
    exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    throw new ExitError(1, `${options.name} (pid ${pid}) did not log "listening" within ${START_TIMEOUT_MS / 1000} s`);
  }
  if (typeof outcome !== 'number') {
    const why = errorLines.length > 0 ? `:\n${errorLines.join('\n')}` : '';
    throw new ExitError(1, `${options.name} exited before listening (${describeExit(outcome)})${why}`);
  }
  return { name: options.name, pid, port: outcome, exited, running: () => running, kill: (signal) => child.kill(signal) };
}
