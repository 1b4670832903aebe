// Turns the environment into one typed, frozen configuration, or a list of every problem found.
import { isIP } from 'node:net';
import { isHostname, isValidHost } from './host.ts';
import { IMAGE_TAG_FORM, IMAGE_TAG_PATTERN } from './image-tag.ts';
import { parseCidrList } from './ip.ts';
import { DEFAULT_HSTS_MAX_AGE } from './security-headers.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly nodeEnv: NodeEnv;
  readonly appVersion: string;
  readonly appCommit: string | undefined;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly hstsMaxAge: number;
  /** CIDRs whose X-Forwarded-For / X-Forwarded-Proto are believed (the ALB's subnets / the VPC CIDR). */
  readonly trustedProxies: readonly string[];
  readonly ipv6KeyPrefix: number;
  readonly forceHttps: boolean;
  readonly publicHostname: string | undefined;
  /** Exact origins, or '*' for any origin. Empty: no cross-origin access. */
  readonly allowedOrigins: readonly string[] | '*';
  /** Lower-case request header names a preflight may ask for. */
  readonly corsAllowHeaders: readonly string[];
  readonly corsMaxAge: number;
  readonly corsAllowCredentials: boolean;
  readonly rateLimitBurst: number;
  /** 0 disables the limiter. */
  readonly rateLimitPerMinute: number;
  readonly rateLimitMaxClients: number;
  /** Most connections open at once; past it a new connection gets a 503 and is closed. */
  readonly maxConnections: number;
}

/** Every problem with the environment, one line each, naming the variable, the bad value and the accepted form. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Below the file-descriptor limit (the task definition sets nofile to 65535), so the process can still accept, answer
 * and close a connection past the cap, and within the task's 512 MiB: a connection that has served a request holds
 * about 17–20 KiB of RSS on Node 20 and 25 KiB on Node 26 (measured with 2 000 and 4 000), 100 MB for 4096.
 */
const DEFAULT_MAX_CONNECTIONS = 4096;
/** Under the 30 s ECS stopTimeout, so the service finishes before ECS sends SIGKILL. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

type Env = Readonly<Record<string, string | undefined>>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Reads variables one by one and collects problems instead of throwing at the first, so an operator
 * sees every mistake in one run. An empty variable counts as unset (ECS and Compose pass empty strings).
 */
export class EnvReader {
  readonly problems: string[] = [];
  readonly #env: Env;

  constructor(env: Env) {
    this.#env = env;
  }

  raw(name: string): string | undefined {
    const value = this.#env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  problem(name: string, value: string, accepted: string): void {
    this.problems.push(`${name}=${JSON.stringify(value)} is invalid: expected ${accepted}`);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problem(name, value, `an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problem(name, value, `one of ${allowed.join(' | ')}`);
      return fallback;
    }
    return value as T;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problem(name, value, 'true | false (or 1 | 0)');
    return fallback;
  }

  matching(name: string, pattern: RegExp, accepted: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!pattern.test(value)) {
      this.problem(name, value, accepted);
      return undefined;
    }
    return value;
  }
}

function readHost(reader: EnvReader): string {
  const value = reader.raw('HOST');
  if (value === undefined) return '0.0.0.0';
  if (isIP(value) === 0 && !isHostname(value)) {
    reader.problem('HOST', value, 'an IPv4/IPv6 address or a hostname, e.g. 0.0.0.0 or ::');
    return '0.0.0.0';
  }
  return value;
}

function readTrustedProxies(reader: EnvReader): string[] {
  const value = reader.raw('TRUSTED_PROXIES');
  if (value === undefined) return [];
  const { cidrs, problems } = parseCidrList(value);
  for (const bad of problems) {
    reader.problem('TRUSTED_PROXIES', bad, 'comma-separated IPv4/IPv6 addresses or CIDRs, e.g. 10.0.0.0/16,fd00::/8');
  }
  return cidrs;
}

function readPublicHostname(reader: EnvReader): string | undefined {
  const value = reader.raw('PUBLIC_HOSTNAME');
  if (value === undefined) return undefined;
  if (!isValidHost(value)) {
    reader.problem('PUBLIC_HOSTNAME', value, 'a host name with an optional port, e.g. api.example.com or api.example.com:8443');
    return undefined;
  }
  return value;
}

/**
 * Origins must be written exactly as browsers serialise them (RFC 6454): scheme://host[:port], lower-case,
 * no default port, no path, no trailing slash; matching is then a byte comparison, as the Fetch standard's CORS check is.
 */
function readAllowedOrigins(reader: EnvReader): readonly string[] | '*' {
  const value = reader.raw('ALLOWED_ORIGINS');
  if (value === undefined) return [];
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.includes('*')) {
    if (items.length > 1) reader.problem('ALLOWED_ORIGINS', value, "'*' alone, or a list of exact origins without '*'");
    return '*';
  }
  const origins: string[] = [];
  for (const item of items) {
    let serialised: string | undefined;
    try {
      const url = new URL(item);
      if (url.protocol === 'http:' || url.protocol === 'https:') serialised = url.origin;
    } catch {
      serialised = undefined;
    }
    if (serialised !== item) {
      const hint = serialised === undefined ? '' : ` (did you mean ${serialised}?)`;
      reader.problem('ALLOWED_ORIGINS', item, `an exact origin scheme://host[:port] with no path or trailing slash${hint}`);
      continue;
    }
    origins.push(item);
  }
  return origins;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function readAllowHeaders(reader: EnvReader): string[] {
  const value = reader.raw('CORS_ALLOW_HEADERS') ?? 'Content-Type';
  const names: string[] = [];
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!HEADER_NAME.test(name) || name === '*') {
      reader.problem('CORS_ALLOW_HEADERS', name, 'comma-separated header names, e.g. Content-Type,Authorization');
      continue;
    }
    names.push(name.toLowerCase());
  }
  return names;
}

/** Parses the service configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env, defaultVersion: string): Config {
  const reader = new EnvReader(env);
  const versionForm = '1-64 characters of A-Z a-z 0-9 . + _ -, starting with a letter or digit';
  const config: Mutable<Config> = {
    port: reader.integer('PORT', 8080, 0, 65_535),
    host: readHost(reader),
    nodeEnv: reader.oneOf('NODE_ENV', NODE_ENVS, 'development'),
    appVersion: reader.matching('APP_VERSION', VERSION_PATTERN, versionForm) ?? defaultVersion,
    // The image tag the task runs (terraform/ecs.tf), so it follows the image tag rule.
    appCommit: reader.matching('APP_COMMIT', IMAGE_TAG_PATTERN, IMAGE_TAG_FORM),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 600_000),
    hstsMaxAge: reader.integer('HSTS_MAX_AGE', DEFAULT_HSTS_MAX_AGE, 0, 2_147_483_647),
    trustedProxies: readTrustedProxies(reader),
    ipv6KeyPrefix: reader.integer('RATE_LIMIT_IPV6_PREFIX', 56, 32, 64),
    forceHttps: false,
    publicHostname: readPublicHostname(reader),
    allowedOrigins: readAllowedOrigins(reader),
    corsAllowHeaders: readAllowHeaders(reader),
    corsMaxAge: reader.integer('CORS_MAX_AGE', 600, 0, 86_400),
    corsAllowCredentials: reader.boolean('CORS_ALLOW_CREDENTIALS', false),
    rateLimitBurst: reader.integer('RATE_LIMIT_BURST', 100, 1, 1_000_000),
    rateLimitPerMinute: reader.integer('RATE_LIMIT_PER_MINUTE', 100, 0, 60_000_000),
    rateLimitMaxClients: reader.integer('RATE_LIMIT_MAX_CLIENTS', 100_000, 1, 10_000_000),
    maxConnections: reader.integer('MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
  };
  config.forceHttps = reader.boolean('FORCE_HTTPS', config.nodeEnv === 'production');
  if (config.corsAllowCredentials && config.allowedOrigins === '*') {
    reader.problems.push(
      'CORS_ALLOW_CREDENTIALS="true" is invalid with ALLOWED_ORIGINS="*": browsers refuse credentials with a wildcard; list the exact origins',
    );
  }
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return Object.freeze(config);
}

/** The configuration as logged at start-up: everything here is safe to print (no secrets are configured). */
export function describeConfig(config: Config): Record<string, unknown> {
  return { ...config };
}
