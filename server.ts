// Entry point: reads the configuration, starts the service, and drains it gracefully on SIGTERM or SIGINT.
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
const { listener, state } = createApp(config, log);

const exit = (code: number): void => process.exit(code);
const shutdown = createShutdown({ listener, state, log, timeoutMs: config.shutdownTimeoutMs, exit });
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

process.on('uncaughtException', (error) => {
  log.error('uncaught exception', { error });
  log.flush();
  exit(1);
});

listener.tcp.on('error', (error) => {
  log.error('server error', { error });
  log.flush();
  exit(1);
});

listener.tcp.on('listening', () => {
  const { port } = listener.address();
  log.info('listening', {
    version: config.appVersion,
    commit: config.appCommit ?? null,
    port,
    host: config.host,
    node: process.version,
    config: describeConfig(config),
  });
});
listener.listen(config.port, config.host);
