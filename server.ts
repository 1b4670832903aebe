// Entry point: reads the configuration, starts the service, and drains it gracefully on SIGTERM or SIGINT.
import type { AddressInfo } from 'node:net';
import { createApp } from './lib/app.ts';
import { ConfigError, describeConfig, loadConfig, type Config } from './lib/config.ts';
import { Logger } from './lib/log.ts';
import { readPackageInfo } from './lib/package-info.ts';
import { createShutdown } from './lib/shutdown.ts';

/** Exit code for an invalid configuration, distinct from a crash (1). */
const EXIT_CONFIG = 2;

function readConfig(): Config {
  try {
    return loadConfig(process.env, readPackageInfo().version);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(EXIT_CONFIG);
  }
}

const config = readConfig();
const log = new Logger(config.logLevel, process.stdout, process.stderr);
const { server, state } = createApp(config, log);

const exit = (code: number): void => process.exit(code);
const shutdown = createShutdown({ server, state, log, timeoutMs: config.shutdownTimeoutMs, exit });
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

process.on('uncaughtException', (error) => {
  log.error('uncaught exception', { error });
  log.flush();
  exit(1);
});

server.on('error', (error) => {
  log.error('server error', { error });
  log.flush();
  exit(1);
});

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  log.info('listening', {
    version: config.appVersion,
    commit: config.appCommit ?? null,
    port,
    host: config.host,
    node: process.version,
    config: describeConfig(config),
  });
});
