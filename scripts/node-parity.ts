// Runs `npm test` once more on the container image's Node, installed from the npm registry's node-<os>-<arch> package.
// Given an npm script and its arguments instead (`npm run test:node-parity -- bench:instructions --runs 3`), runs that.
//
// The version comes from the Dockerfile's base tag (the one place it is written), so CI on an older Node still
// proves the suite on the Node that production runs. The binary is cached outside the repository.
// Exit codes: npm test's (or the script's) own code (0 pass, 1 fail), 2 when the Node binary cannot be installed or checked.
import { existsSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { cacheHome } from './lib/cache.ts';
import { nodeVersionOf, readDockerfile } from './lib/dockerfile.ts';
import { runProcess, startProcess } from './lib/process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const EXIT_SETUP_FAILED = 2;
/** Platforms the npm registry publishes Node binaries for as node-<platform>-<arch>. */
const SUPPORTED_PLATFORMS = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']);

function fail(message: string): never {
  process.stderr.write(`node-parity: ${message}\n`);
  process.exit(EXIT_SETUP_FAILED);
}

/** NODE_PARITY_CACHE, else $XDG_CACHE_HOME or ~/.cache, under hello-service/node-parity: outside the checkout. */
function cacheRoot(): string {
  const explicit = process.env.NODE_PARITY_CACHE;
  if (explicit !== undefined && explicit !== '') return explicit;
  return join(cacheHome(), 'node-parity');
}

function binaryPackage(): string {
  const platform = `${process.platform}-${process.arch}`;
  if (!SUPPORTED_PLATFORMS.has(platform)) {
    fail(`no npm-registry Node binary for ${platform}; supported: ${[...SUPPORTED_PLATFORMS].join(', ')}`);
  }
  return `node-${platform}`;
}

async function reportedVersion(nodeBinary: string): Promise<string | null> {
  if (!existsSync(nodeBinary)) return null;
  const result = await runProcess(nodeBinary, ['--version']);
  return result.kind === 'exited' && result.code === 0 ? result.stdout.trim() : null;
}

/** Runs `program` in the repository, its output shown line by line as it comes (on stderr); returns its exit code. */
async function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const result = await startProcess(program, args, { cwd: ROOT, env, echo: true, capture: false }).result;
  if (result.kind === 'not-found') fail(`${program} not found on PATH`);
  return result.kind === 'exited' ? result.code : 128;
}

/** Installs node-<platform>-<arch>@version into the cache (npm checks the registry's integrity hash) unless present. */
async function installNode(version: string): Promise<string> {
  const pkg = binaryPackage();
  const prefix = join(cacheRoot(), `${pkg}-${version}`);
  const nodeBinary = join(prefix, 'node_modules', pkg, 'bin', 'node');
  if ((await reportedVersion(nodeBinary)) === `v${version}`) return nodeBinary;

  rmSync(prefix, { recursive: true, force: true });
  process.stderr.write(`node-parity: installing ${pkg}@${version} into ${prefix}\n`);
  const installArgs = ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', `${pkg}@${version}`];
  const code = await run('npm', installArgs, process.env);
  if (code !== 0) fail(`npm install ${pkg}@${version} exited with ${code}`);
  const installed = await reportedVersion(nodeBinary);
  if (installed !== `v${version}`) fail(`${nodeBinary} reports ${installed ?? 'nothing'}, expected v${version}`);
  return nodeBinary;
}

const version = nodeVersionOf(readDockerfile(join(ROOT, 'Dockerfile')));
const nodeBinary = await installNode(version);
const [script, ...scriptArgs] = process.argv.slice(2);
const npmArgs = script === undefined ? ['test'] : ['run', script, ...(scriptArgs.length > 0 ? ['--', ...scriptArgs] : [])];
process.stderr.write(`node-parity: running npm ${npmArgs.join(' ')} on Node v${version} (${nodeBinary})\n`);
// First on PATH, so npm and every `node` the suite spawns (including process.execPath in tests) is the image's Node.
const path = [dirname(nodeBinary), process.env.PATH ?? ''].join(delimiter);
process.exit(await run('npm', npmArgs, { ...process.env, PATH: path }));
