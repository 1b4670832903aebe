// `npm run local`: production on this machine: replicas of dist/server.js behind a TLS stand-in for the ALB, from terraform/.
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { KEEP_ALIVE_TIMEOUT_MS } from '../lib/app.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { securityHeaders } from '../lib/security-headers.ts';
import { cacheHome } from './lib/cache.ts';
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { ExitError, UsageError } from './lib/errors.ts';
import { readGitState } from './lib/git.ts';
import { DEFAULT_TERRAFORM_DIR, parsePositiveSeconds } from './lib/options.ts';
import { expectExit, runProcess } from './lib/process.ts';
import { localCertificate, type Certificate } from './lib/rehearsal/certificate.ts';
import { Fleet } from './lib/rehearsal/fleet.ts';
import { FRONT_HOST, startFront, type Front } from './lib/rehearsal/front.ts';
import { readProductionSettings, type ProductionSettings } from './lib/rehearsal/settings.ts';
import { TargetGroup } from './lib/rehearsal/target-group.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_HTTP_PORT = 8080;
const DEFAULT_HTTPS_PORT = 8443;
/** Two cores run the tests here; more replicas than this only measure the machine. */
const MAX_REPLICAS = 16;
/** In AWS the ALB's addresses come from the VPC CIDR; here the front connects from loopback. */
const FRONT_CIDR = `${FRONT_HOST}/32`;
/** Variables the rehearsal sets itself, whatever the task definition says: where each replica listens, whom it trusts. */
const SET_LOCALLY = ['PORT', 'HOST', 'TRUSTED_PROXIES'];

const USAGE = `Usage: npm run local -- [options]

Runs production's topology on this machine, with the values terraform/ sets (read, not copied):
  - replicas of dist/server.js (built first when missing or stale), each with the task definition's environment
    (NODE_ENV=production, FORCE_HTTPS, APP_COMMIT = the git commit, ...) on a free loopback port;
  - in front of them, a stand-in for the ALB on ${FRONT_HOST}: an HTTP listener that redirects to HTTPS, and an
    HTTPS listener (a self-signed certificate for localhost, made on first use in the user's cache) that forwards
    round robin to the healthy replicas with X-Forwarded-For/-Proto/-Port and X-Amzn-Trace-Id;
  - the target group's health checks, the ALB's idle timeout and the deregistration delay.

SIGHUP (or --roll-every) rolls the replicas as an ECS deploy does, one at a time: start a new one, wait until it
is healthy, deregister an old one, wait the deregistration delay, SIGTERM it. Each step is printed with its time.
Ctrl-C or SIGTERM stops every process it started.

Options:
  --https-port <port>           the HTTPS listener (default ${DEFAULT_HTTPS_PORT}; 0 picks a free port)
  --http-port <port>            the HTTP listener, which redirects (default ${DEFAULT_HTTP_PORT}; 0 picks a free port)
  --replicas <n>                how many replicas, 1 to ${MAX_REPLICAS} (default: the service's desired_count)
  --deregistration-delay <s>    seconds a deregistered replica keeps its in-flight requests before SIGTERM
                                (default: the target group's deregistration_delay)
  --roll-every <s>              roll the replicas every <s> seconds (default: only on SIGHUP)
  --terraform-dir <dir>         the Terraform root to read (default: ${DEFAULT_TERRAFORM_DIR})
  -h, --help                    show this help

Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 could not start (the reason is the last line), 64 bad usage.
`;

export interface LocalOptions {
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Undefined: the service's desired_count. */
  readonly replicas?: number;
  /** Undefined: the target group's deregistration delay. */
  readonly deregistrationDelayMs?: number;
  readonly rollEveryMs?: number;
  readonly terraformDir: string;
}

function parsePort(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port > 65_535) throw new UsageError(`${flag} must be a port number from 0 to 65535 (0 picks a free one); got ${JSON.stringify(raw)}`);
  return port;
}

function parseReplicas(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < 1 || count > MAX_REPLICAS) throw new UsageError(`--replicas must be a whole number from 1 to ${MAX_REPLICAS}; got ${JSON.stringify(raw)}`);
  return count;
}

export function parseLocalArgs(argv: string[]): LocalOptions | 'help' {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      'http-port': { type: 'string' },
      'https-port': { type: 'string' },
      replicas: { type: 'string' },
      'deregistration-delay': { type: 'string' },
      'roll-every': { type: 'string' },
      'terraform-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  const httpPort = parsePort(values['http-port'], '--http-port', DEFAULT_HTTP_PORT);
  const httpsPort = parsePort(values['https-port'], '--https-port', DEFAULT_HTTPS_PORT);
  if (httpPort !== 0 && httpPort === httpsPort) throw new UsageError(`--http-port and --https-port must differ; both are ${httpPort}`);
  const replicas = parseReplicas(values.replicas);
  const delay = values['deregistration-delay'];
  const rollEvery = values['roll-every'];
  return {
    httpPort,
    httpsPort,
    ...(replicas === undefined ? {} : { replicas }),
    ...(delay === undefined ? {} : { deregistrationDelayMs: parsePositiveSeconds(delay, '--deregistration-delay', 0) * 1000 }),
    ...(rollEvery === undefined ? {} : { rollEveryMs: parsePositiveSeconds(rollEvery, '--roll-every', 0) * 1000 }),
    terraformDir: values['terraform-dir'] ?? DEFAULT_TERRAFORM_DIR,
  };
}

const say = (line: string): void => {
  process.stderr.write(`local: ${new Date().toISOString()} ${line}\n`);
};

/** The image tag a deploy of this checkout would use (its commit), marked when the tree has uncommitted changes. */
async function localImageTag(): Promise<string> {
  try {
    const git = await readGitState(runProcess, ROOT);
    return git.dirtyFiles.length === 0 ? git.commit : `${git.commit}-dirty`;
  } catch (error) {
    if (error instanceof ExitError) return 'local';
    throw error;
  }
}

/** The replicas' environment: the task definition's, with what only AWS knows replaced by its local counterpart. */
function replicaEnvironment(settings: ProductionSettings): Record<string, string> {
  const missing = Object.keys(settings.unknownEnvironment).filter((name) => !SET_LOCALLY.includes(name));
  if (missing.length > 0) {
    const reasons = missing.map((name) => `${name} (${settings.unknownEnvironment[name] ?? ''})`).join(', ');
    throw new ExitError(1, `the task definition sets variables only AWS knows, which the rehearsal cannot fill in: ${reasons}`);
  }
  if (settings.secretNames.length > 0) say(`not injected locally (secrets from Secrets Manager or SSM): ${settings.secretNames.join(', ')}`);
  return { ...settings.environment, HOST: FRONT_HOST, TRUSTED_PROXIES: FRONT_CIDR };
}

/** The front answers its own errors with the service's security headers, HSTS max-age included. */
function errorHeaders(env: Record<string, string>): ReadonlyArray<readonly [string, string]> {
  try {
    return securityHeaders(loadConfig(env, '0.0.0').hstsMaxAge);
  } catch (error) {
    if (error instanceof ConfigError) throw new ExitError(1, `the task definition's environment is invalid for the service: ${error.problems.join('; ')}`);
    throw error;
  }
}

/** Resolves with the first of SIGINT or SIGTERM; a repeat is only acknowledged (npm and the terminal both send one). */
function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received !== undefined) {
        say(`${signal} again: already stopping`);
        return;
      }
      received = signal;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function buildDist(): Promise<void> {
  return runProcess(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, echo: true, prefix: '[build] ' }).then((result) => {
    expectExit(result, { program: 'node', installHint: 'run npm ci first' }, 'building dist/');
  });
}

/** One line with every value the rehearsal took from terraform/, then a warning if they would cause 502s in AWS. */
function reportSettings(options: LocalOptions, settings: ProductionSettings, deregistrationDelayMs: number): void {
  const { healthCheck } = settings;
  const shortened = options.deregistrationDelayMs === undefined ? '' : ` (terraform: ${settings.deregistrationDelayMs / 1000} s)`;
  say(
    `from ${options.terraformDir}/: idle timeout ${settings.idleTimeoutMs / 1000} s; health check GET ${healthCheck.path} every ` +
      `${healthCheck.intervalMs / 1000} s (timeout ${healthCheck.timeoutMs / 1000} s, healthy ${healthCheck.healthyThreshold}, ` +
      `unhealthy ${healthCheck.unhealthyThreshold}, matcher ${healthCheck.matcher}); deregistration delay ${deregistrationDelayMs / 1000} s` +
      `${shortened}; stop timeout ${settings.stopTimeoutMs / 1000} s`,
  );
  if (settings.idleTimeoutMs >= KEEP_ALIVE_TIMEOUT_MS) {
    // The front keeps target connections as long as the ALB does, so the rehearsal shows the resulting 502s too.
    say(
      `warning: the ALB idle timeout (${settings.idleTimeoutMs / 1000} s) is not shorter than the service's keep-alive timeout ` +
        `(${KEEP_ALIVE_TIMEOUT_MS / 1000} s): replicas may close connections the load balancer still uses (intermittent 502s)`,
    );
  }
}

/** SIGKILL to every replica still running when this process exits, whatever the reason (a crash included). */
function killLeftoversOnExit(fleet: Fleet): () => void {
  const killLeftovers = (): void => {
    for (const pid of fleet.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', killLeftovers);
  return () => process.off('exit', killLeftovers);
}

/** A roll every `everyMs` after the previous one ended, until `signal` aborts. */
async function rollEvery(fleet: Fleet, everyMs: number, signal: AbortSignal): Promise<void> {
  try {
    for (;;) {
      await sleep(everyMs, undefined, { signal });
      await fleet.roll();
    }
  } catch {
    // Aborted: the rehearsal is stopping.
  }
}

function startFrontOrExplain(options: LocalOptions, settings: ProductionSettings, certificate: Certificate, targets: TargetGroup, env: Record<string, string>): Promise<Front> {
  return startFront({
    httpPort: options.httpPort,
    httpsPort: options.httpsPort,
    certificate,
    idleTimeoutMs: settings.idleTimeoutMs,
    redirectStatus: settings.redirectStatus,
    targets,
    errorHeaders: errorHeaders(env),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new ExitError(1, `a port is already in use (${error.message}); choose others with --http-port and --https-port`);
    throw error;
  });
}

export async function rehearse(options: LocalOptions): Promise<number> {
  const stop = stopRequested();
  // Until the replicas are in service there is nothing to roll; SIGHUP must not end the process meanwhile.
  let roll = (): void => say('SIGHUP: nothing to roll until the replicas are in service');
  const onHangUp = (): void => roll();
  process.on('SIGHUP', onHangUp);

  await buildDist();
  const settings = await readProductionSettings(resolve(options.terraformDir), await localImageTag());
  const env = replicaEnvironment(settings);
  const certificate = await localCertificate(join(cacheHome(), 'local-tls'));
  say(`${certificate.created ? 'made' : 'using'} the self-signed certificate ${certificate.certFile}`);
  const deregistrationDelayMs = options.deregistrationDelayMs ?? settings.deregistrationDelayMs;
  reportSettings(options, settings, deregistrationDelayMs);

  const targets = new TargetGroup({ healthCheck: settings.healthCheck, idleTimeoutMs: settings.idleTimeoutMs, note: say });
  const fleet = new Fleet({
    root: ROOT,
    env,
    targets,
    deregistrationDelayMs,
    stopTimeoutMs: settings.stopTimeoutMs,
    say,
    replicaLine: (name, line, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name}] ${line}\n`),
  });
  const removeExitHook = killLeftoversOnExit(fleet);
  let front: Front | undefined;
  const stopAll = async (signal: NodeJS.Signals): Promise<number> => {
    say(`${signal}: stopping`);
    process.off('SIGHUP', onHangUp);
    await front?.close();
    await fleet.stop();
    await front?.close(true);
    removeExitHook();
    say('stopped');
    return 0;
  };

  try {
    front = await startFrontOrExplain(options, settings, certificate, targets, env);
    const starting = fleet.start(options.replicas ?? settings.desiredCount);
    const first = await Promise.race([starting.then(() => 'started' as const), stop]);
    if (first !== 'started') {
      // Stopped while starting: the replicas still starting are ended by the stop, and their start fails quietly.
      starting.catch(() => undefined);
      return await stopAll(first);
    }
  } catch (error) {
    await front?.close(true);
    await fleet.stop();
    throw error;
  }

  say(`ready: https://localhost:${front.httpsPort}/ (HTTPS) and http://localhost:${front.httpPort}/ (redirects to HTTPS); in service: ${fleet.members().join(', ')}`);
  say(`try: curl --cacert ${certificate.certFile} https://localhost:${front.httpsPort}/ ; roll the replicas with: kill -HUP ${process.pid}`);
  roll = () => void fleet.roll();
  const rolling = new AbortController();
  if (options.rollEveryMs !== undefined) void rollEvery(fleet, options.rollEveryMs, rolling.signal);

  const signal = await stop;
  rolling.abort();
  return stopAll(signal);
}

async function main(argv: string[]): Promise<number> {
  const options = parseLocalArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return rehearse(options);
}

if (isEntryPoint(import.meta.url)) await runCli('local', main);
