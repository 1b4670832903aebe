// The benchmark targets (the service, the baselines, the peers) and starting, probing and stopping their servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { findOnPath, pinned } from './load.ts';

/** The Origin every benchmark request carries, on every target's allow-list. */
export const BENCH_ORIGIN = 'https://app.example.com';
/** High enough that no limiter answers 429 during the bench (the service's maximum setting). */
export const BENCH_LIMIT_PER_MINUTE = 60_000_000;
const BENCH_BURST = 1_000_000;
/** The bench connects from 127.0.0.1, standing in for the load balancer. */
const TRUSTED_PROXY = '127.0.0.1';
/** The production task trusts the VPC CIDR (terraform/ecs.tf); here the loopback network holds the bench's "ALB". */
const PRODUCTION_TRUSTED_PROXIES = '127.0.0.0/8';

/**
 * What every request carries behind the ALB: the client appended to X-Forwarded-For, the listener's protocol and
 * port, the ALB's trace id (Root=1-<8 hex seconds>-<24 hex>), and here a browser Origin on the allow-list.
 */
export const ALB_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  Origin: BENCH_ORIGIN,
  'X-Forwarded-For': '203.0.113.7',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Port': '443',
  'X-Amzn-Trace-Id': 'Root=1-67891233-abcdef012345678912345678',
};

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const HEALTH_POLL_MS = 2;
/** Lines of a server's stderr kept to explain a failed start. */
const STDERR_TAIL_CHARS = 2_000;

export interface TargetSpec {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  /** Arguments, given the port the target must listen on (127.0.0.1). */
  readonly args: (port: number) => string[];
  readonly env: Readonly<Record<string, string>>;
  /** Working directory, if not the harness's (for files the target writes there). */
  readonly cwd?: string;
}

export interface Paths {
  readonly root: string;
  readonly servers: string;
}

/** The environment of the service as the bench runs it: production mode, CORS allow-list, limiter on but never 429. */
export function serviceEnv(logLevel: 'info' | 'warn' | undefined): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    ALLOWED_ORIGINS: BENCH_ORIGIN,
    TRUSTED_PROXIES: TRUSTED_PROXY,
    RATE_LIMIT_BURST: String(BENCH_BURST),
    RATE_LIMIT_PER_MINUTE: String(BENCH_LIMIT_PER_MINUTE),
  };
  if (logLevel !== undefined) env.LOG_LEVEL = logLevel;
  return env;
}

/**
 * The environment of the production task (terraform/ecs.tf, container_environment) with the bench's values: NODE_ENV
 * production (so FORCE_HTTPS), the image tag as APP_COMMIT, the public host name, an allow-list holding the bench's
 * Origin, the loopback network as the trusted proxies, and the rate limit at its defaults (100 a minute, bursts of
 * 100), as the task runs unless app_rate_limit_* are set: the requests come from a pool of clients
 * (`poolClientAddress`) large enough that none is refused.
 */
export function productionServiceEnv(logLevel: 'info' | 'warn'): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_COMMIT: '0123456789abcdef0123456789abcdef01234567',
    LOG_LEVEL: logLevel,
    ALLOWED_ORIGINS: `${BENCH_ORIGIN},https://admin.example.com`,
    TRUSTED_PROXIES: PRODUCTION_TRUSTED_PROXIES,
    FORCE_HTTPS: 'true',
    PUBLIC_HOSTNAME: 'api.example.com',
  };
}

/** Clients in the pool that `poolClientAddress` draws from: 80 000 requests are 20 each, far below a burst of 100. */
export const CLIENT_POOL_SIZE = 4096;

/** The `n`th request's client, from 198.18.0.0/15 (RFC 2544, for benchmarks), round robin over the pool. */
export function poolClientAddress(n: number): string {
  const client = n % CLIENT_POOL_SIZE;
  return `198.${18 + Math.floor(client / 65_536)}.${Math.floor(client / 256) % 256}.${client % 256}`;
}

const peerEnv = {
  BENCH_ORIGIN,
  BENCH_TRUSTED_PROXY: TRUSTED_PROXY,
  BENCH_LIMIT_PER_MINUTE: String(BENCH_LIMIT_PER_MINUTE),
};

/** Where gunicorn and the Flask packages are usable: gunicorn's own interpreter must import them all. */
export function findGunicorn(): { gunicorn: string } | { missing: string } {
  const gunicorn = findOnPath('gunicorn');
  const install = 'apt-get install -y gunicorn python3-flask python3-flask-cors python3-flask-limiter python3-flask-talisman';
  if (gunicorn === undefined) return { missing: `gunicorn is not on PATH (Debian: ${install})` };
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(gunicorn, 'utf8').split('\n', 1)[0] ?? '');
  const python = shebang?.[1] ?? 'python3';
  const check = spawnSync(python, ['-c', 'import flask, flask_cors, flask_limiter, flask_talisman'], { encoding: 'utf8' });
  if (check.status !== 0) return { missing: `${python} cannot import the Flask packages (Debian: ${install})` };
  return { gunicorn };
}

export function targetSpecs(paths: Paths, serviceHeaders: readonly string[], gunicorn: string | undefined): TargetSpec[] {
  const node = process.execPath;
  const service = join(paths.root, 'dist', 'server.js');
  const specs: TargetSpec[] = [
    { id: 'bare', label: 'bare node:http', command: node, args: () => [join(paths.servers, 'bare.mjs')], env: {} },
    {
      id: 'bare-headers',
      label: 'bare + headers',
      command: node,
      args: () => [join(paths.servers, 'bare-headers.mjs')],
      env: { BENCH_HEADERS: JSON.stringify(serviceHeaders) },
    },
    {
      id: 'bare-headers-peer',
      label: 'bare + headers + peer address',
      command: node,
      args: () => [join(paths.servers, 'bare-headers.mjs')],
      env: { BENCH_HEADERS: JSON.stringify(serviceHeaders), BENCH_READ_PEER: '1' },
    },
    { id: 'service', label: 'this service (access log on)', command: node, args: () => [service], env: serviceEnv(undefined) },
    { id: 'service-log-off', label: 'this service (LOG_LEVEL=warn)', command: node, args: () => [service], env: serviceEnv('warn') },
    { id: 'fastify', label: 'fastify 5 + helmet + cors + rate-limit', command: node, args: () => [join(paths.servers, 'fastify.mjs')], env: peerEnv },
    { id: 'express', label: 'express 5 + helmet + cors + rate-limit', command: node, args: () => [join(paths.servers, 'express.mjs')], env: peerEnv },
  ];
  if (gunicorn !== undefined) {
    specs.push({
      id: 'flask',
      label: 'Flask + Talisman + CORS + Limiter, gunicorn 2 sync workers',
      command: gunicorn,
      args: (port) => ['--workers', '2', '--bind', `127.0.0.1:${port}`, '--chdir', paths.servers, '--log-level', 'warning', 'flask_app:app'],
      env: peerEnv,
    });
  }
  return specs;
}

/** A free loopback port (the kernel picks it; the tiny race with other programs is acceptable for a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with the status and headers, rejects on a connection error. */
export function probe(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; rawHeaders: string[] }> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, rawHeaders: response.rawHeaders }));
    });
    request.on('error', reject);
  });
}

export interface RunningTarget {
  readonly spec: TargetSpec;
  readonly port: number;
  readonly child: ChildProcess;
  /** Milliseconds from spawn to the first 200 on /health. */
  readonly startMs: number;
  stderrTail: string;
}

function minimalEnv(extra: Readonly<Record<string, string>>, port: number): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), ...extra };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  return env;
}

/**
 * Spawns a target pinned to `cpu`, stdout to a pipe the harness drains (as a container runtime does), and waits
 * for the first 200 on /health.
 */
export async function startTarget(spec: TargetSpec, cpu: number | undefined, startTimeoutMs = START_TIMEOUT_MS): Promise<RunningTarget> {
  const port = await freePort();
  const [command, args] = pinned(cpu, spec.command, spec.args(port));
  const started = performance.now();
  const child = spawn(command, args, { cwd: spec.cwd, env: minimalEnv(spec.env, port), stdio: ['ignore', 'pipe', 'pipe'] });
  const target: RunningTarget = { spec, port, child, startMs: 0, stderrTail: '' };
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    target.stderrTail = (target.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = started + startTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`${spec.label} exited before answering /health:\n${target.stderrTail}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${spec.label} did not answer /health within ${startTimeoutMs} ms:\n${target.stderrTail}`);
    }
    try {
      const { status } = await probe(port, '/health');
      if (status === 200) return { ...target, startMs: performance.now() - started };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
}

/** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
export async function stopTarget(target: RunningTarget): Promise<void> {
  const { child } = target;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Response headers the bare + headers baseline must repeat: all but those node:http adds itself or per body. */
export function headerBlockOf(rawHeaders: readonly string[]): string[] {
  const addedByNode = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
  const block: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? '';
    if (!addedByNode.has(name.toLowerCase())) block.push(name, rawHeaders[index + 1] ?? '');
  }
  return block;
}

/** `npm run build` (scripts/build.mjs) in the project at `root`; false when it fails (its output is shown). */
export function buildService(root: string): boolean {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

/** Starts the service once and returns the header block it sends on GET / with `requestHeaders` (the bench's Origin). */
export async function captureServiceHeaders(
  serviceSpec: TargetSpec,
  cpu: number | undefined,
  requestHeaders: Readonly<Record<string, string>> = { Origin: BENCH_ORIGIN },
): Promise<string[]> {
  const service = await startTarget(serviceSpec, cpu);
  try {
    const response = await probe(service.port, '/', { ...requestHeaders });
    if (response.status !== 200) throw new Error(`the service answered GET / with ${response.status}, expected 200`);
    return headerBlockOf(response.rawHeaders);
  } finally {
    await stopTarget(service);
  }
}
