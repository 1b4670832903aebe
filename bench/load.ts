// Runs one load round with wrk (preferred) or autocannon (fallback), pinned to a core, bounded in time.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseAutocannonResult, parseWrkReport, type LoadResult } from './load-output.ts';

export type Generator = 'wrk' | 'autocannon';

export interface LoadRequest {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Request headers besides Host. */
  readonly headers: Readonly<Record<string, string>>;
  /** Connection: close on every request, so each one opens a new TCP connection. */
  readonly newConnectionPerRequest: boolean;
  /** For the limiter's scale check: vary X-Forwarded-For over this many clients (0: do not send it). */
  readonly distinctClients: number;
  /** The core to pin the generator to, or undefined to leave it unpinned. */
  readonly cpu: number | undefined;
}

/** Seconds a round may overrun its duration before the generator is killed. */
const OVERRUN_GRACE_SECONDS = 15;

/** Finds an executable on PATH without a shell; undefined when absent. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface Captured {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (argument array, no shell) to completion, killing it after `timeoutMs`. */
export function runCaptured(command: string, args: readonly string[], timeoutMs: number): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Prefixes `taskset -c <cpu>` when pinning. */
export function pinned(cpu: number | undefined, command: string, args: readonly string[]): [string, string[]] {
  if (cpu === undefined) return [command, [...args]];
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

/** wrk's arguments for a request: one thread (one core), latency percentiles, the headers, optionally the XFF script. */
export function wrkArguments(request: LoadRequest, xffScript: string): string[] {
  const args = ['-t1', `-c${request.connections}`, `-d${request.durationSeconds}s`, '--latency', '--timeout', '5s'];
  for (const [name, value] of Object.entries(request.headers)) args.push('-H', `${name}: ${value}`);
  if (request.newConnectionPerRequest) args.push('-H', 'Connection: close');
  if (request.distinctClients > 0) args.push('-s', xffScript);
  args.push(request.url);
  if (request.distinctClients > 0) args.push('--', String(request.distinctClients));
  return args;
}

export async function runLoad(generator: Generator, request: LoadRequest, serversDir: string): Promise<LoadResult> {
  const timeoutMs = (request.durationSeconds + OVERRUN_GRACE_SECONDS) * 1000;
  if (generator === 'wrk') {
    const [command, args] = pinned(request.cpu, 'wrk', wrkArguments(request, join(serversDir, 'xff.lua')));
    const result = await runCaptured(command, args, timeoutMs);
    if (result.code !== 0) throw new Error(`wrk exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    return parseWrkReport(result.stdout);
  }
  const options = {
    url: request.url,
    connections: request.connections,
    duration: request.durationSeconds,
    headers: request.headers,
    newConnectionPerRequest: request.newConnectionPerRequest,
    clients: request.distinctClients,
  };
  const [command, args] = pinned(request.cpu, process.execPath, [join(serversDir, 'autocannon-run.mjs'), JSON.stringify(options)]);
  const result = await runCaptured(command, args, timeoutMs);
  if (result.code !== 0) throw new Error(`autocannon exited with ${result.code}: ${result.stderr.trim()}`);
  return parseAutocannonResult(result.stdout);
}
