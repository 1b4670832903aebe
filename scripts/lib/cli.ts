// The process boundary shared by every command: one top-level catch that maps errors to exit codes.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT_USAGE, ExitError, UsageError } from './errors.ts';

/**
 * True when `moduleUrl` is the file node was started with (so importing a command never runs it). Both sides are
 * resolved through symlinks: node loads modules by their real path, but argv[1] is the path as typed.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (started === undefined) return false;
  try {
    return realpathSync(started) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** `parseArgs` in strict mode, with its errors (unknown flag, missing value) turned into a UsageError. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Runs `main` and sets the exit code. Known failures print one line; usage errors add a --help hint;
 * anything else is a bug and prints its stack. process.exitCode (not exit()) lets stdout drain.
 */
export async function runCli(name: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}\nRun \`npm run ${name} -- --help\` for usage.\n`);
      process.exitCode = EXIT_USAGE;
    } else if (error instanceof ExitError) {
      if (error.message !== '') process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = error.code;
    } else {
      process.stderr.write(`${name}: unexpected error (a bug; please report it)\n`);
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  }
}
