// Test helpers for `npm run local`: the command as a child process tree that is always ended, and a keep-alive HTTPS load.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, TSX_LOADER } from './scripts.ts';

/** Upper bound for any one wait on the command's output (it fails the test when exceeded; it is not measured). */
const WAIT_LIMIT_MS = 30_000;

/** `npm run local` as `node --import tsx scripts/local.ts`, in its own process group, with output kept from the start. */
export class LocalRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #changed: () => void = () => undefined;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', TSX_LOADER, join(REPO_ROOT, 'scripts', 'local.ts'), ...args], {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.#changed();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.#changed();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.#changed();
        resolve({ code, signal });
      });
    });
  }

  /** Waits until `check` returns something other than undefined, re-checking on new output; fails on exit or after WAIT_LIMIT_MS. */
  async waitUntil<T>(check: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`npm run local exited before ${what}:\n${this.stderr.slice(-3000)}`);
      }
      if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_LIMIT_MS / 1000} s:\n${this.stderr.slice(-3000)}`);
      const changed = new Promise<void>((resolve) => {
        this.#changed = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([changed, new Promise((resolve) => (timer = setTimeout(resolve, 250)))]);
      clearTimeout(timer);
    }
  }

  /** Waits until `pattern` matches the stream's text, and returns the match. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray> {
    return this.waitUntil(() => this[stream].match(pattern) ?? undefined, `${pattern} on ${stream}`);
  }

  /** The pids of every replica the command reported starting. */
  replicaPids(): number[] {
    return [...this.stderr.matchAll(/started replica-\d+ \(pid (\d+),/g)].map((match) => Number(match[1]));
  }

  /** SIGKILL to the command's process group and to each replica's (they run in their own groups): nothing is left. */
  killAll(): void {
    const groups = [this.child.pid, ...this.replicaPids()];
    for (const pid of groups) {
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Loopback addresses this machine can send from, besides 127.0.0.1 (Linux routes all of 127/8 to lo; macOS does not). */
export async function extraLoopbackAddresses(wanted: readonly string[]): Promise<string[]> {
  const usable: string[] = [];
  for (const address of wanted) {
    const probe = createServer();
    try {
      probe.listen(0, address);
      await once(probe, 'listening');
      usable.push(address);
    } catch {
      // Not configured here.
    } finally {
      probe.close();
    }
  }
  return usable;
}

export interface HttpsReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface HttpsTarget {
  readonly port: number;
  /** The certificate to trust (the front's self-signed one). */
  readonly ca: string;
}

/** One HTTPS GET to the front on 127.0.0.1, verified against `ca` for the name localhost. */
export function httpsGet(target: HttpsTarget, path: string, options: { agent?: Agent; headers?: Record<string, string>; localAddress?: string; timeoutMs?: number } = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path,
        servername: 'localhost',
        ca: target.ca,
        headers: { host: `localhost:${target.port}`, ...options.headers },
        agent: options.agent ?? false,
        localAddress: options.localAddress,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within the client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', reject);
    req.end();
  });
}

export interface LoadReport {
  /** Requests written to a connection. */
  sent: number;
  /** Answers by status code. */
  readonly statuses: Map<number, number>;
  /** Requests sent and never answered (reset, closed, timed out), by error code. */
  readonly unanswered: string[];
  /** Which replica served each answered request is in its log; the client's addresses are here to find them. */
  readonly clients: readonly string[];
}

/**
 * Keep-alive load: one connection per client address, each sending GET / again as soon as its last answer is in,
 * until `running()` turns false or `maxRequests` have been sent in all. Resolves once every request has an outcome.
 */
export async function keepAliveLoad(target: HttpsTarget, clients: readonly string[], running: () => boolean, maxRequests: number): Promise<LoadReport> {
  const report: LoadReport = { sent: 0, statuses: new Map(), unanswered: [], clients };
  const loops = clients.map(async (localAddress) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: target.ca });
    try {
      while (running() && report.sent < maxRequests) {
        report.sent += 1;
        try {
          const reply = await httpsGet(target, '/', { agent, localAddress });
          report.statuses.set(reply.status, (report.statuses.get(reply.status) ?? 0) + 1);
        } catch (error) {
          report.unanswered.push((error as NodeJS.ErrnoException).code ?? (error as Error).message);
        }
      }
    } finally {
      agent.destroy();
    }
  });
  await Promise.all(loops);
  return report;
}
