// Runs a program with an argument array and no shell: live output, optional capture, stdin, signal forwarding, timeout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ExitError } from './errors.ts';

/** Plan JSON of a large root is a few MiB; this bounds memory if a child goes wild. */
const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;
/** After the timeout's SIGTERM, how long the child gets to clean up (Terraform releases its state lock) before SIGKILL. */
const KILL_GRACE_MS = 10_000;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface RunOptions {
  readonly cwd?: string;
  /** Complete environment for the child (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. The child never reads our terminal. */
  readonly input?: string;
  /** Copy the child's stdout/stderr to our stderr as it arrives (stdout of the scripts is kept for summaries). */
  readonly echo?: boolean;
  /** Put in front of every echoed line, e.g. "[docker] ". */
  readonly prefix?: string;
  /** Kill the child (SIGTERM, then SIGKILL) after this long. No timeout when omitted. */
  readonly timeoutMs?: number;
}

/** For a long-running child the caller watches and stops itself (startProcess). */
export interface StartOptions extends RunOptions {
  /** Called with every complete line the child writes (without its newline), as it arrives. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep the output for the result (default true); off for a child that logs for hours. */
  readonly capture?: boolean;
  /** Forward our SIGINT/SIGTERM to the child (default true); off when the caller decides how the child stops. */
  readonly forwardSignals?: boolean;
}

interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

export type RunResult =
  | ({ readonly kind: 'exited'; readonly code: number } & Output)
  | ({ readonly kind: 'signalled'; readonly signal: NodeJS.Signals } & Output)
  | ({ readonly kind: 'timed-out'; readonly timeoutMs: number } & Output)
  | { readonly kind: 'not-found'; readonly program: string };

/** The signature every adapter takes, so tests can inject a recording runner. */
export type Runner = (program: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** A child that is still running: its pid, a way to signal it, and its result once it has exited. */
export interface StartedProcess {
  readonly pid: number | undefined;
  /** Sends `signal` unless the child has already exited. */
  kill(signal: NodeJS.Signals): void;
  readonly result: Promise<RunResult>;
}

/** Splits a byte stream into lines and hands each complete line on. */
function createLineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): void; flush(): void } {
  let pending = '';
  return {
    write(chunk) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    flush() {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

function createCollector(keep: boolean): { add(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk) {
      if (!keep || size + chunk.length > MAX_CAPTURE_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** Where each line goes: the caller's onLine, else our stderr with the prefix when echo is on, else nowhere. */
function lineSink(options: StartOptions, stream: 'stdout' | 'stderr'): ((line: string) => void) | undefined {
  const { onLine } = options;
  if (onLine !== undefined) return (line) => onLine(line, stream);
  if (options.echo !== true) return undefined;
  const prefix = options.prefix ?? '';
  return (line) => process.stderr.write(`${prefix}${line}\n`);
}

function missingDirectory(program: string, cwd: string): ExitError {
  return new ExitError(1, `directory ${cwd} does not exist (needed to run ${program})`);
}

/**
 * Starts `program` and returns at once. Throws an ExitError when `cwd` does not exist: spawn reports a missing cwd
 * exactly like a missing program, so the two are told apart first.
 */
export function startProcess(program: string, args: readonly string[], options: StartOptions = {}): StartedProcess {
  if (options.cwd !== undefined && !existsSync(options.cwd)) throw missingDirectory(program, options.cwd);
  const child = spawn(program, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    shell: false,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: a Ctrl-C in the terminal reaches only us and we forward it once. Terraform treats a
    // second interrupt as "abort now, possibly leaving the state locked", so the child must not get two.
    detached: process.platform !== 'win32',
  });
  let exited = false;
  const kill = (signal: NodeJS.Signals): void => {
    if (!exited) child.kill(signal);
  };

  const result = new Promise<RunResult>((resolve) => {
    const keep = options.capture ?? true;
    const stdout = createCollector(keep);
    const stderr = createCollector(keep);
    const outSink = lineSink(options, 'stdout');
    const errSink = lineSink(options, 'stderr');
    const outLines = outSink === undefined ? undefined : createLineSplitter(outSink);
    const errLines = errSink === undefined ? undefined : createLineSplitter(errSink);
    const forwarded = (options.forwardSignals ?? true) ? FORWARDED_SIGNALS : [];
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;

    for (const signal of forwarded) process.on(signal, kill);

    const timeoutTimer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            kill('SIGTERM');
            killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs);

    const cleanUp = (): void => {
      exited = true;
      for (const signal of forwarded) process.off(signal, kill);
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      if (killTimer !== undefined) clearTimeout(killTimer);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      stdout.add(chunk);
      outLines?.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.add(chunk);
      errLines?.write(chunk);
    });
    // EPIPE when the child exits without reading its stdin is not our failure; its exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');

    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanUp();
      if (error.code === 'ENOENT') {
        resolve({ kind: 'not-found', program });
        return;
      }
      resolve({ kind: 'exited', code: 127, stdout: '', stderr: `${program}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      cleanUp();
      outLines?.flush();
      errLines?.flush();
      const output = { stdout: stdout.text(), stderr: stderr.text() };
      if (timedOut) resolve({ kind: 'timed-out', timeoutMs: options.timeoutMs ?? 0, ...output });
      else if (signal !== null) resolve({ kind: 'signalled', signal, ...output });
      else resolve({ kind: 'exited', code: code ?? 1, ...output });
    });
  });
  return { pid: child.pid, kill, result };
}

export const runProcess: Runner = (program, args, options = {}) => {
  if (options.cwd !== undefined && !existsSync(options.cwd)) return Promise.reject(missingDirectory(program, options.cwd));
  return startProcess(program, args, options).result;
};

/** What to tell the user when a program is missing, e.g. "install Terraform >= 1.11". */
export interface ToolDescription {
  readonly program: string;
  readonly installHint: string;
}

/** The last few lines of a child's stderr: enough to say why without flooding the terminal. */
function tail(text: string, lines = 5): string {
  const kept = text.trim().split('\n').slice(-lines).join('\n');
  return kept === '' ? '' : `\n${kept}`;
}

/**
 * Turns anything but a clean exit (or an accepted exit code) into an ExitError with one explanatory line, plus the
 * tail of stderr unless the user already saw it echoed live. Returns the result so callers can branch on accepted
 * non-zero codes (terraform plan's 2).
 */
export function expectExit(
  result: RunResult,
  tool: ToolDescription,
  what: string,
  acceptedCodes: readonly number[] = [0],
  options: { readonly echoed?: boolean } = {},
): Output & { readonly code: number } {
  switch (result.kind) {
    case 'not-found':
      throw new ExitError(1, `${tool.program} not found on PATH; ${tool.installHint}`);
    case 'timed-out':
      throw new ExitError(1, `${what} timed out after ${Math.round(result.timeoutMs / 1000)} s`);
    case 'signalled':
      throw new ExitError(1, `${what} was stopped by ${result.signal}`);
    case 'exited':
      if (!acceptedCodes.includes(result.code)) {
        throw new ExitError(1, `${what} failed (exit ${result.code})${options.echoed === true ? '' : tail(result.stderr)}`);
      }
      return result;
  }
}
