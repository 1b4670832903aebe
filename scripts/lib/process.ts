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

/** Splits a byte stream into lines so each echoed line can carry the prefix. */
function createLineEcho(prefix: string): { write(chunk: Buffer): void; flush(): void } {
  let pending = '';
  return {
    write(chunk) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(`${prefix}${line}\n`);
    },
    flush() {
      if (pending !== '') process.stderr.write(`${prefix}${pending}\n`);
      pending = '';
    },
  };
}

function createCollector(): { add(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk) {
      if (size + chunk.length > MAX_CAPTURE_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

export const runProcess: Runner = (program, args, options = {}) => {
  // A missing cwd makes spawn report ENOENT exactly like a missing program; tell them apart first.
  if (options.cwd !== undefined && !existsSync(options.cwd)) {
    return Promise.reject(new ExitError(1, `directory ${options.cwd} does not exist (needed to run ${program})`));
  }
  return new Promise((resolve) => {
    const child = spawn(program, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group: a Ctrl-C in the terminal reaches only us and we forward it once. Terraform treats a
      // second interrupt as "abort now, possibly leaving the state locked", so the child must not get two.
      detached: process.platform !== 'win32',
    });
    const stdout = createCollector();
    const stderr = createCollector();
    const prefix = options.prefix ?? '';
    const echoOut = createLineEcho(prefix);
    const echoErr = createLineEcho(prefix);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;

    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

    const timeoutTimer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs);

    const cleanUp = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      if (killTimer !== undefined) clearTimeout(killTimer);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      stdout.add(chunk);
      if (options.echo === true) echoOut.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.add(chunk);
      if (options.echo === true) echoErr.write(chunk);
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
      echoOut.flush();
      echoErr.flush();
      const output = { stdout: stdout.text(), stderr: stderr.text() };
      if (timedOut) resolve({ kind: 'timed-out', timeoutMs: options.timeoutMs ?? 0, ...output });
      else if (signal !== null) resolve({ kind: 'signalled', signal, ...output });
      else resolve({ kind: 'exited', code: code ?? 1, ...output });
    });
  });
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
