// Turns the environment into one typed, frozen configuration, or a list of every problem found.
// CONFIG_VARIABLES is the one description of every variable: the parser reads it and docs/configuration.md is generated from it.
import { isIP } from 'node:net';
import { booleanVariable, integerVariable, oneOfVariable, patternVariable, type EnvVariable } from './env-variable.ts';
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
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DEFAULT_HOST = '0.0.0.0';
const DEFAULT_ALLOW_HEADERS = 'Content-Type';

/** What a variable's reader may look at besides its own value: the variables read before it, and package.json's version. */
export interface ReadContext {
  readonly defaultVersion: string;
  readonly config: Partial<Config>;
}

/** A variable of this configuration, producing the value of one Config field. */
export type ConfigVariable<T> = EnvVariable<T, ReadContext>;

/** Splits a comma-separated value into its trimmed, non-empty items. */
function listItems(value: string): string[] {
  const items: string[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item !== '') items.push(item);
  }
  return items;
}

/**
 * Origins must be written exactly as browsers serialise them (RFC 6454): scheme://host[:port], lower-case,
 * no default port, no path, no trailing slash; matching is then a byte comparison, as the Fetch standard's CORS check is.
 */
function serialisedOrigin(item: string): string | undefined {
  try {
    const url = new URL(item);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every variable the service reads, in the order they are read (which is the order problems are listed in).
 * The mapped type makes the compiler insist on exactly one variable per Config field.
 */
export const CONFIG_VARIABLES: { readonly [K in keyof Config]: ConfigVariable<Config[K]> } = {
  port: integerVariable({ name: 'PORT', meaning: 'listening port' }, 8080, 0, 65_535),
  host: {
    name: 'HOST',
    accepted: 'an IPv4/IPv6 address or a hostname, e.g. 0.0.0.0 or ::',
    fallback: DEFAULT_HOST,
    meaning: 'listening address; `::` listens on IPv6 and IPv4',
    read({ value, refuse }) {
      if (value === undefined) return DEFAULT_HOST;
      if (isIP(value) === 0 && !isHostname(value)) {
        refuse();
        return DEFAULT_HOST;
      }
      return value;
    },
  },
  nodeEnv: oneOfVariable({ name: 'NODE_ENV', meaning: 'the container image sets `production`, which turns `FORCE_HTTPS` on' }, NODE_ENVS, 'development'),
  appVersion: patternVariable(
    { name: 'APP_VERSION', meaning: 'the version `GET /health` reports' },
    VERSION_PATTERN,
    '1-64 characters of A-Z a-z 0-9 . + _ -, starting with a letter or digit',
    { note: 'the `version` in package.json', from: (context) => context.defaultVersion },
  ),
  // The image tag the task runs (terraform/ecs.tf), so it follows the image tag rule.
  appCommit: patternVariable(
    { name: 'APP_COMMIT', meaning: '`GET /health` reports it as `commit`; the deploy sets it to the image tag (the git commit)' },
    IMAGE_TAG_PATTERN,
    IMAGE_TAG_FORM,
    { note: 'unset (no `commit` field)', from: () => undefined },
  ),
  logLevel: oneOfVariable({ name: 'LOG_LEVEL', meaning: 'least severe level logged; `warn` and `error` turn the access lines off' }, LOG_LEVELS, 'info'),
  shutdownTimeoutMs: integerVariable(
    { name: 'SHUTDOWN_TIMEOUT_MS', meaning: 'deadline of the drain after SIGTERM or SIGINT, in ms; keep it under ECS\'s 30 s `stopTimeout`' },
    DEFAULT_SHUTDOWN_TIMEOUT_MS,
    0,
    600_000,
  ),
  hstsMaxAge: integerVariable({ name: 'HSTS_MAX_AGE', meaning: '`Strict-Transport-Security` max-age in seconds (two years by default)' }, DEFAULT_HSTS_MAX_AGE, 0, 2_147_483_647),
  trustedProxies: {
    name: 'TRUSTED_PROXIES',
    accepted: 'comma-separated IPv4/IPv6 addresses or CIDRs, e.g. 10.0.0.0/16,fd00::/8',
    fallback: undefined,
    defaultNote: 'none',
    meaning: 'peers whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; Terraform passes the VPC CIDR',
    read({ value, refuse }) {
      if (value === undefined) return [];
      const { cidrs, problems } = parseCidrList(value);
      for (const bad of problems) refuse(bad);
      return cidrs;
    },
  },
  ipv6KeyPrefix: integerVariable({ name: 'RATE_LIMIT_IPV6_PREFIX', meaning: 'IPv6 clients are rate-limited per prefix of this length' }, 56, 32, 64),
  forceHttps: booleanVariable(
    { name: 'FORCE_HTTPS', meaning: 'redirect requests a trusted proxy marked `X-Forwarded-Proto: http` to HTTPS' },
    { note: 'on when `NODE_ENV` is `production`', from: (context) => context.config.nodeEnv === 'production' },
  ),
  publicHostname: {
    name: 'PUBLIC_HOSTNAME',
    accepted: 'a host name with an optional port, e.g. api.example.com or api.example.com:8443',
    fallback: undefined,
    defaultNote: 'unset',
    meaning: "host of the HTTPS redirects; unset, the request's validated `Host`",
    read({ value, refuse }) {
      if (value === undefined) return undefined;
      if (!isValidHost(value)) {
        refuse();
        return undefined;
      }
      return value;
    },
  },
  allowedOrigins: {
    name: 'ALLOWED_ORIGINS',
    accepted: "'*' alone, or comma-separated exact origins scheme://host[:port] with no path or trailing slash",
    fallback: undefined,
    defaultNote: 'none (no cross-origin access)',
    meaning: 'the CORS allow-list, compared byte for byte with the `Origin` header',
    read({ value, refuse }) {
      if (value === undefined) return [];
      const items = listItems(value);
      if (items.includes('*')) {
        if (items.length > 1) refuse();
        return '*';
      }
      const origins: string[] = [];
      for (const item of items) {
        const serialised = serialisedOrigin(item);
        if (serialised === item) origins.push(item);
        else refuse(item, serialised === undefined ? '' : ` (did you mean ${serialised}?)`);
      }
      return origins;
    },
  },
  corsAllowHeaders: {
    name: 'CORS_ALLOW_HEADERS',
    accepted: 'comma-separated header names, e.g. Content-Type,Authorization',
    fallback: DEFAULT_ALLOW_HEADERS,
    meaning: 'request headers a CORS preflight may ask for',
    read({ value, refuse }) {
      const names: string[] = [];
      for (const name of listItems(value ?? DEFAULT_ALLOW_HEADERS)) {
        if (HEADER_NAME.test(name) && name !== '*') names.push(name.toLowerCase());
        else refuse(name);
      }
      return names;
    },
  },
  corsMaxAge: integerVariable({ name: 'CORS_MAX_AGE', meaning: '`Access-Control-Max-Age` of preflight answers, in seconds' }, 600, 0, 86_400),
  corsAllowCredentials: booleanVariable(
    { name: 'CORS_ALLOW_CREDENTIALS', meaning: 'send `Access-Control-Allow-Credentials: true`; refused with `ALLOWED_ORIGINS=*`' },
    false,
  ),
  rateLimitBurst: integerVariable({ name: 'RATE_LIMIT_BURST', meaning: 'token-bucket capacity per client' }, 100, 1, 1_000_000),
  rateLimitPerMinute: integerVariable(
    { name: 'RATE_LIMIT_PER_MINUTE', meaning: 'tokens refilled per client per minute; `0` turns the limiter off (with a warning)' },
    100,
    0,
    60_000_000,
  ),
  rateLimitMaxClients: integerVariable({ name: 'RATE_LIMIT_MAX_CLIENTS', meaning: 'most clients tracked at once (bounds the memory)' }, 100_000, 1, 10_000_000),
  maxConnections: integerVariable(
    {
      name: 'MAX_CONNECTIONS',
      meaning: 'connections open at once; past it a new connection gets a `503` and is closed. Keep it below the file-descriptor limit (`ulimit -n`; the task definition sets 65535)',
    },
    DEFAULT_MAX_CONNECTIONS,
    1,
    1_000_000,
  ),
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the service configuration; throws ConfigError listing every problem. Problems are collected instead of
 * thrown at the first, so an operator sees every mistake in one run. An empty variable counts as unset (ECS and
 * Compose pass empty strings).
 */
export function loadConfig(env: Env, defaultVersion: string): Config {
  const problems: string[] = [];
  const config: Partial<Record<keyof Config, unknown>> = {};
  const context: ReadContext = { defaultVersion, config: config as Partial<Config> };
  for (const key of Object.keys(CONFIG_VARIABLES) as Array<keyof Config>) {
    const variable: ConfigVariable<unknown> = CONFIG_VARIABLES[key];
    const raw = env[variable.name];
    const value = raw === '' ? undefined : raw;
    const refuse = (bad = value ?? '', hint = ''): void => {
      problems.push(`${variable.name}=${JSON.stringify(bad)} is invalid: expected ${variable.accepted}${hint}`);
    };
    config[key] = variable.read({ value, refuse, context });
  }
  const parsed = config as Config;
  if (parsed.corsAllowCredentials && parsed.allowedOrigins === '*') {
    problems.push(
      'CORS_ALLOW_CREDENTIALS="true" is invalid with ALLOWED_ORIGINS="*": browsers refuse credentials with a wildcard; list the exact origins',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(parsed);
}

/** The configuration as logged at start-up: everything here is safe to print (no secrets are configured). */
export function describeConfig(config: Config): Record<string, unknown> {
  return { ...config };
}
