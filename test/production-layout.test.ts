// Production-layout smoke test: rebuilds the Dockerfile's stages in temp dirs (no Docker engine) and runs the result.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { findStage, readDockerfile, runtimeStage, type ParsedDockerfile, type Stage } from '../scripts/lib/dockerfile.ts';
import { freePort, request } from './helpers/http.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DOCKERFILE = join(ROOT, 'Dockerfile');
const LAYOUT_FIXTURES = join(ROOT, 'test', 'fixtures', 'dockerfiles', 'layout');

/** Upper bounds for waiting on child processes (they fail the test when exceeded, they are not measured). */
const STARTUP_DEADLINE_MS = 20_000;
const EXIT_DEADLINE_MS = 30_000;
const CONNECT_RETRY_MS = 50;

/** A stage's filesystem reproduced on disk: the container's `/` is `root`. */
interface StageTree {
  readonly root: string;
  readonly workdir: string;
}

interface RuntimeTree extends StageTree {
  readonly env: Readonly<Record<string, string>>;
  readonly cmd: readonly string[];
  readonly healthcheck: readonly string[];
  readonly stopSignal: NodeJS.Signals;
}

interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The container path `path` inside a stage tree. */
const onDisk = (tree: { root: string }, containerPath: string): string => join(tree.root, ...containerPath.split('/'));

function runToEnd(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child);
}

async function collect(child: ChildProcess): Promise<ProcessResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS);
  try {
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * Docker COPY semantics for one source: a folder's contents go into the destination folder; a file goes to the
 * destination path, or into it when the destination ends in `/`.
 */
function copyInto(source: string, destination: string, destinationIsFolder: boolean): void {
  if (!existsSync(source)) throw new Error(`COPY source ${source} does not exist (the image build would fail here)`);
  if (lstatSync(source).isDirectory()) {
    cpSync(source, destination, { recursive: true, verbatimSymlinks: true });
    return;
  }
  const target = destinationIsFolder ? join(destination, basename(source)) : destination;
  mkdirSync(dirname(target), { recursive: true });
  // recursive: a symlink to a folder (the build stage's linked node_modules) is copied as the link itself.
  cpSync(source, target, { recursive: true, verbatimSymlinks: true });
}

/** Replays a stage's WORKDIR and COPY steps into `tree`; returns the final working directory. */
function replayFiles(stage: Stage, tree: { root: string }, stageTrees: ReadonlyMap<string, StageTree>): string {
  let workdir = '/';
  for (const step of stage.steps) {
    if (step.keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, step.args[0] ?? '/');
      mkdirSync(onDisk(tree, workdir), { recursive: true });
    }
    if (step.keyword !== 'COPY') continue;
    const sources = step.args.slice(0, -1);
    const destinationArg = step.args.at(-1) ?? '';
    const destination = onDisk(tree, posix.resolve(workdir, destinationArg));
    const destinationIsFolder = destinationArg.endsWith('/') || sources.length > 1;
    const from = step.flags.get('from');
    for (const source of sources) {
      if (/[*?[]/.test(source)) throw new Error(`line ${step.line}: wildcard COPY source ${source} is not reproduced here`);
      if (from === undefined || from === null) {
        copyInto(join(ROOT, source), destination, destinationIsFolder);
        continue;
      }
      const sourceTree = stageTrees.get(from);
      if (sourceTree === undefined) throw new Error(`line ${step.line}: COPY --from=${from} names no reproduced stage`);
      // COPY --from paths are relative to the source stage's root, not its WORKDIR.
      copyInto(onDisk(sourceTree, posix.resolve('/', source)), destination, destinationIsFolder);
    }
  }
  return workdir;
}

/**
 * Reproduces a build stage: its COPY steps from the context, then `npm ci` (as a link to the node_modules this
 * checkout installed from the same lockfile) and `npm run build`.
 */
async function reproduceBuildStage(stage: Stage, scratch: string): Promise<StageTree> {
  const runs = stage.steps.filter((step) => step.keyword === 'RUN').map((step) => step.args.join(' '));
  assert.ok(runs.some((text) => /\bnpm ci\b/.test(text)) && runs.some((text) => /\bnpm run build\b/.test(text)),
    `stage ${stage.name ?? stage.index} does not run npm ci and npm run build`);
  const tree = { root: mkdtempSync(join(scratch, `stage-${stage.name ?? stage.index}-`)) };
  const workdir = replayFiles(stage, tree, new Map());
  const appDir = onDisk(tree, workdir);
  symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
  const build = await runToEnd('npm', ['run', 'build'], appDir, process.env);
  assert.equal(build.code, 0, `npm run build failed in the reproduced build stage:\n${build.stdout}${build.stderr}`);
  return { ...tree, workdir };
}

/** Every node_modules entry in the tree (the runtime image must have none). */
function findNodeModules(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.name === 'node_modules') found.push(path);
    else if (entry.isDirectory()) found.push(...findNodeModules(path));
  }
  return found;
}

/** Builds the runtime stage's filesystem from the reproduced stages and reads how the image runs. */
function assembleRuntime(parsed: ParsedDockerfile, stageTrees: ReadonlyMap<string, StageTree>, scratch: string): RuntimeTree {
  const stage = runtimeStage(parsed);
  const tree = { root: mkdtempSync(join(scratch, 'runtime-')) };
  const workdir = replayFiles(stage, tree, stageTrees);
  const strays = findNodeModules(tree.root);
  if (strays.length > 0) throw new Error(`the runtime stage would contain node_modules: ${strays.join(', ')}`);

  const env: Record<string, string> = {};
  for (const step of stage.steps.filter((candidate) => candidate.keyword === 'ENV')) {
    for (const [name, value] of step.properties) env[name] = (value ?? '').replace(/^"(.*)"$/, '$1');
  }
  const cmd = stage.steps.filter((step) => step.keyword === 'CMD').at(-1)?.exec;
  const healthcheck = stage.steps.filter((step) => step.keyword === 'HEALTHCHECK').at(-1)?.exec;
  const stopSignal = stage.steps.filter((step) => step.keyword === 'STOPSIGNAL').at(-1)?.args[0] ?? 'SIGTERM';
  assert.ok(cmd?.[0] === 'node' && healthcheck?.[0] === 'node', 'CMD and HEALTHCHECK must be exec form running node');
  return { ...tree, workdir, env, cmd, healthcheck, stopSignal: stopSignal as NodeJS.Signals };
}

/** Reproduces every stage the runtime stage copies from, then the runtime stage itself. */
async function reproduceImage(parsed: ParsedDockerfile, scratch: string, cache: Map<string, StageTree>): Promise<RuntimeTree> {
  const stageTrees = new Map<string, StageTree>();
  for (const step of runtimeStage(parsed).steps) {
    const from = step.flags.get('from');
    if (step.keyword !== 'COPY' || from === undefined || from === null || stageTrees.has(from)) continue;
    const stage = findStage(parsed, from);
    assert.ok(stage !== undefined, `COPY --from=${from} names no stage`);
    // Stages with identical steps produce identical trees, so fixtures reuse the project's build.
    const signature = JSON.stringify(stage.steps.map((s) => [s.keyword, s.args, [...s.flags]]));
    let built = cache.get(signature);
    if (built === undefined) {
      built = await reproduceBuildStage(stage, scratch);
      cache.set(signature, built);
    }
    stageTrees.set(from, built);
  }
  return assembleRuntime(parsed, stageTrees, scratch);
}

/** Every file in the tree with its size and mtime, to prove the service wrote nothing. */
function snapshot(folder: string, prefix = ''): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    const stat = statSync(path);
    lines.push(`${prefix}${entry.name} ${stat.size} ${stat.mtimeMs}`);
    if (entry.isDirectory()) lines.push(...snapshot(path, `${prefix}${entry.name}/`));
  }
  return lines;
}

/** Files 0444, folders 0555: what root-owned files look like to uid 1000. */
function makeReadOnly(folder: string, readOnly: boolean): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      makeReadOnly(path, readOnly);
      chmodSync(path, readOnly ? 0o555 : 0o755);
    } else if (entry.isFile()) {
      chmodSync(path, 0o444);
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The running container: `node <CMD args>` in WORKDIR with the image's ENV, bound to loopback on `port`. */
class RunningContainer {
  readonly image: RuntimeTree;
  readonly env: NodeJS.ProcessEnv;
  readonly exited: Promise<ProcessResult>;
  readonly #child: ChildProcess;
  #done = false;

  constructor(image: RuntimeTree, env: NodeJS.ProcessEnv) {
    this.image = image;
    this.env = env;
    // `node` resolves to the Node running this suite: the image's own Node under scripts/node-parity.ts.
    this.#child = spawn(process.execPath, image.cmd.slice(1), { cwd: onDisk(image, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = collect(this.#child).finally(() => {
      this.#done = true;
    });
  }

  static async start(image: RuntimeTree): Promise<RunningContainer> {
    const port = await freePort();
    // Like `docker run -e PORT=… -e HOST=127.0.0.1`: loopback only, on a free port.
    const env = { ...image.env, PORT: String(port), HOST: '127.0.0.1', PATH: dirname(process.execPath) };
    const container = new RunningContainer(image, env);
    const startedBy = Date.now() + STARTUP_DEADLINE_MS;
    while (!(await canConnect(port))) {
      if (container.#done) {
        const result = await container.exited;
        throw new Error(`server exited with code ${result.code} before listening:\n${result.stderr}`);
      }
      if (Date.now() > startedBy) {
        container.stop('SIGKILL');
        throw new Error(`server did not listen on ${port} within ${STARTUP_DEADLINE_MS} ms`);
      }
      await delay(CONNECT_RETRY_MS);
    }
    return container;
  }

  get port(): number {
    return Number(this.env.PORT);
  }

  /** Docker's HEALTHCHECK: the exec-form command in WORKDIR with the container's environment. */
  healthcheck(): Promise<ProcessResult> {
    return runToEnd(process.execPath, this.image.healthcheck.slice(1), onDisk(this.image, this.image.workdir), this.env);
  }

  stop(signal: NodeJS.Signals): void {
    if (!this.#done) this.#child.kill(signal);
  }
}

describe('production layout (the runtime stage, reproduced without Docker)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'hello-layout-'));
  const buildCache = new Map<string, StageTree>();
  let image: RuntimeTree;

  before(async () => {
    image = await reproduceImage(readDockerfile(DOCKERFILE), scratch, buildCache);
  });
  after(() => {
    makeReadOnly(scratch, false);
    rmSync(scratch, { recursive: true, force: true });
  });

  test('holds only the compiled dist/ and package.json, with no node_modules up the tree', () => {
    const appDir = onDisk(image, image.workdir);
    const files = snapshot(image.root).map((line) => line.split(' ')[0] ?? '');
    const appPrefix = image.workdir.replace(/^\//, '');
    const appFiles = files.filter((path) => path.startsWith(`${appPrefix}/`)).map((path) => path.slice(appPrefix.length + 1));
    assert.ok(appFiles.includes('package.json') && appFiles.includes('dist/server.js') && appFiles.includes('dist/scripts/healthcheck.js'));
    for (const path of appFiles) {
      assert.ok(path === 'package.json' || path === 'dist' || path.startsWith('dist/'), `unexpected ${path} in ${image.workdir}`);
      assert.ok(!path.endsWith('.ts'), `TypeScript source ${path} in the runtime layout`);
    }
    for (let folder = appDir; folder !== dirname(folder); folder = dirname(folder)) {
      assert.equal(existsSync(join(folder, 'node_modules')), false, `${folder}${sep}node_modules would be visible to the server`);
    }
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'the image ships no node_modules, so no runtime dependencies');
  });

  test('serves / and passes its health check, fails it once stopped, and writes nothing', async () => {
    makeReadOnly(image.root, true);
    const untouched = snapshot(image.root);
    const container = await RunningContainer.start(image);
    try {
      const healthy = await container.healthcheck();
      assert.equal(healthy.code, 0, `health check failed against the running server:\n${healthy.stderr}`);

      const reply = await request(container.port, { path: '/' });
      assert.equal(reply.status, 200);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(reply.body), { message: 'Hello, World' });
    } finally {
      container.stop(image.stopSignal);
    }
    const stopped = await container.exited;
    assert.equal(stopped.code, 0, `server did not exit cleanly on ${image.stopSignal}:\n${stopped.stderr}`);

    const unhealthy = await container.healthcheck();
    assert.equal(unhealthy.code, 1);
    assert.match(unhealthy.stderr, /unreachable: ECONNREFUSED/);
    assert.deepEqual(snapshot(image.root), untouched, 'the server changed files in its image');
  });

  test('fails on a runtime stage that leaves out package.json', async () => {
    const broken = await reproduceImage(readDockerfile(join(LAYOUT_FIXTURES, 'missing-package-json.Dockerfile')), scratch, buildCache);
    await assert.rejects(RunningContainer.start(broken), /exited with code 1 before listening:[\s\S]*no package\.json found/);
  });

  test('fails on a runtime stage that copies node_modules', async () => {
    const parsed = readDockerfile(join(LAYOUT_FIXTURES, 'copies-node-modules.Dockerfile'));
    await assert.rejects(reproduceImage(parsed, scratch, buildCache), /the runtime stage would contain node_modules/);
  });
});
