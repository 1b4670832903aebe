// `npm run smoke -- <url>`: checks / and /health of a deployed service (status, body, version, security headers, HSTS).
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { UsageError } from './lib/errors.ts';
import { printSmokeResults, runSmokeChecks, type SmokeOptions } from './lib/smoke-checks.ts';

const USAGE = `Usage: npm run smoke -- <url> [options]

Checks a deployed service: GET / answers 200 {"message":"Hello, World"}, GET /health answers 200
{"status":"ok","version":…}, both carry the service's security headers (HSTS with max-age >= 180 days for
https URLs) and neither a Server nor an X-Powered-By header. Prints one line per failed check.

Options:
  --expect-version <v>   /health must report this version
  --expect-commit <sha>  /health must report this commit (the deployed image tag)
  -h, --help             show this help

Exit status: 0 all checks passed, 1 a check failed, 64 bad usage.
`;

export function parseSmokeArgs(argv: string[]): SmokeOptions | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'expect-version': { type: 'string' },
      'expect-commit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (positionals.length !== 1) throw new UsageError('expected exactly one URL, e.g. npm run smoke -- https://hello.example.com');
  const url = positionals[0] ?? '';
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`${JSON.stringify(url)} is not a URL; expected http(s)://host[:port]`);
  }
  if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') throw new UsageError(`${url}: only http and https URLs can be checked`);
  return {
    url,
    ...(values['expect-version'] === undefined ? {} : { expectVersion: values['expect-version'] }),
    ...(values['expect-commit'] === undefined ? {} : { expectCommit: values['expect-commit'] }),
  };
}

async function main(argv: string[]): Promise<number> {
  const options = parseSmokeArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const results = await runSmokeChecks(options);
  printSmokeResults(options.url, results, (line) => process.stdout.write(`${line}\n`));
  return results.every((result) => result.ok) ? 0 : 1;
}

if (isEntryPoint(import.meta.url)) await runCli('smoke', main);
