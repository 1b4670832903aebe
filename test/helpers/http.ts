// Test HTTP helpers: a real in-process service on an ephemeral port, a plain client, a raw-socket client, and a child process runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp, type App, type AppOptions } from '../../lib/app.ts';
import { loadConfig } from '../../lib/config.ts';
import { Logger } from '../../lib/log.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A sink that keeps every written chunk, to read log lines back. */
export class MemorySink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestService extends App {
  readonly port: number;
  readonly log: Logger;
  readonly stdout: MemorySink;
  readonly stderr: MemorySink;
  close(): Promise<void>;
}

/** Starts the real app on 127.0.0.1:0 with the given environment (PORT/HOST are ignored). */
export async function startService(env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestService> {
  const config = loadConfig({ NODE_ENV: 'test', ...env }, '1.0.0');
  const stdout = new MemorySink();
  const stderr = new MemorySink();
  const log = new Logger(config.logLevel, stdout, stderr);
  const app = createApp(config, log, options);
  app.listener.listen(0, '127.0.0.1');
  await once(app.listener.tcp, 'listening');
  const { port } = app.listener.address();
  return {
    ...app,
    port,
    log,
    stdout,
    stderr,
    close: async () => {
      app.listener.stopAccepting();
      app.listener.closeAll();
      await once(app.listener.tcp, 'close');
      log.flush();
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Header names exactly as sent, in order. */
  readonly rawNames: readonly string[];
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

/** One request on a fresh connection (agent: false), body read as UTF-8. */
export function request(port: number, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const rawNames: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) rawNames.push(res.rawHeaders[i] ?? '');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawNames, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A loopback port that was free a moment ago (for tests that need a port nothing listens on). */
export async function freePort(): Promise<number> {
  const probe = createTcpServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Writes raw bytes to a fresh socket and returns everything the server sent until it closed (or `waitMs` passed). */
export async function rawExchange(port: number, payload: string | Buffer, waitMs = 2000): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(payload);
  const timer = setTimeout(() => socket.destroy(), waitMs);
  await once(socket, 'close');
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('latin1');
}

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child node process (TypeScript entry via tsx, argument array, no shell) whose output is kept from the start. */
export class NodeProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<ChildResult>;

  constructor(entry: string, env: Record<string, string>, args: readonly string[] = []) {
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** JSON log lines written to stdout so far. */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Resolves with the port from the "listening" log line; rejects if the process exits first. */
  async listening(): Promise<number> {
    for (;;) {
      const entry = this.logLines().find((line) => line.msg === 'listening');
      if (entry !== undefined && typeof entry.port === 'number') return entry.port;
      const outcome = await Promise.race([once(this.child.stdout!, 'data').then(() => 'data'), this.exited.then(() => 'exit')]);
      if (outcome === 'exit') throw new Error(`process exited before listening: ${this.stderr || this.stdout}`);
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
