// `npm run bench:instructions`: user-space instructions per request under valgrind, service vs bare + headers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleModules, compilerCost, functionNamer, functionTables, parseCallgrindDump, parsePerfMap, selfCosts } from './callgrind.ts';
import { findOnPath } from './load.ts';
import {
  ALB_REQUEST_HEADERS,
  buildService,
  captureServiceHeaders,
  CLIENT_POOL_SIZE,
  poolClientAddress,
  productionServiceEnv,
  startTarget,
  stopTarget,
  targetSpecs,
  type TargetSpec,
} from './targets.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const EXIT_USAGE = 2;
/** valgrind runs Node 20–50 × slower; start-up alone takes several seconds. */
const START_TIMEOUT_MS = 180_000;
/** callgrind_control finds the process through files named after USER and HOST; both must match the target's. */
const VGDB_ENV = { USER: 'bench', HOST: '127.0.0.1' };
/** bare + headers (the baseline, first) and the service with its access log off and on. */
const MEASURED_IDS = ['bare-headers', 'service-log-off', 'service'] as const;
/** Rows of the per-function tables. */
const TOP_FUNCTIONS = 20;
const BUNDLE = join(ROOT, 'dist', 'server.js');

const USAGE = `usage: npm run bench:instructions -- [--requests 20000] [--warm-up 60000] [--connections 10] [--runs 1] [--only bare-headers,service-log-off,service]
       [--functions FILE]
  Counts the server's user-space instructions per keep-alive request (valgrind's callgrind, node --single-threaded)
  for bare + headers and this service in its production configuration, every request shaped as the ALB sends it
  (X-Forwarded-For/-Proto/-Port, X-Amzn-Trace-Id, an allowed Origin) from a pool of clients under the default rate
  limit, then where they go, function by function (node --perf-basic-prof names V8's JIT code). The warm-up runs uninstrumented, so V8 has compiled the hot code before
  counting starts. Counts do not depend on the machine's load (about 0.5 % run to run; --runs 3 takes the lowest and
  shows every run), so they settle changes that wrk's req/s cannot; kernel work (the same for both) is not counted.
  Needs valgrind (apt-get install valgrind).`;

interface Settings {
  readonly requests: number;
  readonly warmUp: number;
  readonly connections: number;
  readonly runs: number;
  /** Which of MEASURED_IDS to run (all by default); without the baseline there is no ratio. */
  readonly only: readonly string[];
  /** Where to write every function's instructions per request, by target, as JSON (to compare two builds). */
  readonly functionsFile: string | undefined;
}

function fail(message: string): never {
  process.stderr.write(`bench:instructions: ${message}\n`);
  process.exit(EXIT_USAGE);
}

function readOnly(text: string): string[] {
  const ids = text.split(',').filter((id) => id !== '');
  const unknown = ids.filter((id) => !(MEASURED_IDS as readonly string[]).includes(id));
  if (ids.length === 0 || unknown.length > 0) fail(`--only ${text} is invalid: expected some of ${MEASURED_IDS.join(', ')}`);
  return ids;
}

function readSettings(): Settings {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        requests: { type: 'string', default: '20000' },
        'warm-up': { type: 'string', default: '60000' },
        connections: { type: 'string', default: '10' },
        runs: { type: 'string', default: '1' },
        only: { type: 'string', default: MEASURED_IDS.join(',') },
        functions: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number, max: number): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) fail(`--${name} ${text} is invalid: expected an integer from ${min} to ${max}`);
    return value;
  };
  return {
    requests: integer('requests', values.requests, 100, 1_000_000),
    warmUp: integer('warm-up', values['warm-up'], 0, 1_000_000),
    connections: integer('connections', values.connections, 1, 100),
    runs: integer('runs', values.runs, 1, 10),
    only: readOnly(values.only),
    functionsFile: values.functions,
  };
}

/**
 * Sends exactly `count` GET / requests with the ALB's headers over the agent's `connections` keep-alive connections,
 * each from the next client of the pool (`clients.next`, which carries on from one call to the next).
 */
async function sendRequests(agent: Agent, port: number, count: number, connections: number, clients: { next: number }): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      const headers = { ...ALB_REQUEST_HEADERS, 'X-Forwarded-For': poolClientAddress(clients.next++) };
      await new Promise<void>((resolve, reject) => {
        const request = get({ host: '127.0.0.1', port, path: '/', agent, headers }, (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
        });
        request.on('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

function callgrindControl(pid: number, command: '-z' | '-d' | '--instr=on'): void {
  const result = spawnSync('callgrind_control', [command, String(pid)], { env: { ...process.env, ...VGDB_ENV }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${command} failed: ${result.stderr || result.stdout}`);
}

/** The text of the newest dump callgrind wrote for `pid`. */
function newestDump(dir: string, pid: number): string {
  const dumps = readdirSync(dir)
    .filter((name) => name.startsWith(`cg.${pid}.`))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (dumps[0] === undefined) throw new Error(`no callgrind dump for process ${pid} in ${dir}`);
  return readFileSync(dumps[0], 'utf8');
}

interface Measurement {
  readonly perRequest: number;
  /** Instructions per request by function (self cost). */
  readonly functions: ReadonlyMap<string, number>;
}

/**
 * One of the bench's Node targets under callgrind: warm up, zero the counters, send the measured requests, dump, stop.
 * The target runs in `dir`, where V8 writes the log that --perf-basic-prof opens; its perf map goes to /tmp.
 */
async function measureTarget(target: TargetSpec, settings: Settings, dir: string): Promise<Measurement> {
  const underCallgrind: TargetSpec = {
    id: target.id,
    label: `${target.label} under callgrind`,
    command: 'valgrind',
    args: (port) => [
      '--tool=callgrind',
      // Uninstrumented until the warm-up is over: it then runs several times faster, and nothing is counted before.
      '--instr-atstart=no',
      `--callgrind-out-file=${join(dir, 'cg.%p')}`,
      target.command,
      '--single-threaded',
      '--perf-basic-prof',
      ...target.args(port),
    ],
    env: { ...target.env, ...VGDB_ENV },
    cwd: dir,
  };
  const running = await startTarget(underCallgrind, undefined, START_TIMEOUT_MS);
  const pid = running.child.pid ?? 0;
  const perfMapFile = join(tmpdir(), `perf-${pid}.map`);
  // One set of connections for the warm-up and the measured requests, closed after the dump: what is counted is the
  // requests, not the opening and closing of connections (nor the recompiling of the code paths they take).
  const agent = new Agent({ keepAlive: true, maxSockets: settings.connections });
  try {
    const clients = { next: 0 };
    if (settings.warmUp > 0) await sendRequests(agent, running.port, settings.warmUp, settings.connections, clients);
    callgrindControl(pid, '--instr=on');
    callgrindControl(pid, '-z');
    await sendRequests(agent, running.port, settings.requests, settings.connections, clients);
    callgrindControl(pid, '-d');
    const dump = parseCallgrindDump(newestDump(dir, pid));
    // V8 writes the perf map as it compiles; stopping the target first lets it write what it still holds.
    agent.destroy();
    await stopTarget(running);
    const perfMap = existsSync(perfMapFile) ? parsePerfMap(readFileSync(perfMapFile, 'utf8')) : [];
    const namer = functionNamer(perfMap, pathToFileURL(BUNDLE).href, bundleModules(readFileSync(BUNDLE, 'utf8')));
    const functions = new Map<string, number>();
    for (const [name, self] of selfCosts(dump, namer)) functions.set(name, self / settings.requests);
    return { perRequest: dump.total / settings.requests, functions };
  } finally {
    agent.destroy();
    await stopTarget(running);
    rmSync(perfMapFile, { force: true });
  }
}

/** The service's two targets in the production configuration, access log off (LOG_LEVEL=warn) and on. */
function productionTargets(specs: readonly TargetSpec[]): TargetSpec[] {
  return MEASURED_IDS.map((id) => {
    const spec = specs.find((candidate) => candidate.id === id) as TargetSpec;
    if (id === 'service') return { ...spec, label: 'this service, production (access log on)', env: productionServiceEnv('info') };
    if (id === 'service-log-off') return { ...spec, label: 'this service, production (LOG_LEVEL=warn)', env: productionServiceEnv('warn') };
    return spec;
  });
}

async function main(): Promise<void> {
  const settings = readSettings();
  for (const tool of ['valgrind', 'callgrind_control']) {
    if (findOnPath(tool) === undefined) fail(`${tool} is not installed (Debian/Ubuntu: sudo apt-get install -y valgrind)`);
  }
  if (!buildService(ROOT)) fail('the service does not build; fix `npm run build` first');
  const paths = { root: ROOT, servers: join(BENCH_DIR, 'servers') };
  const service = productionTargets(targetSpecs(paths, [], undefined))[2] as TargetSpec;
  const headers = await captureServiceHeaders(service, undefined, ALB_REQUEST_HEADERS);
  // The baseline repeats the header block the service sends to the same requests; both get the ALB's headers.
  const targets = productionTargets(targetSpecs(paths, headers, undefined)).filter((target) => settings.only.includes(target.id));
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  const results = new Map<string, Measurement>();
  /** Every run's instructions per request and its V8 compilers' share, by target, to show how far the runs spread. */
  const everyRun = new Map<string, Array<{ perRequest: number; compiling: number }>>(targets.map((target) => [target.id, []]));
  try {
    for (let run = 1; run <= settings.runs; run++) {
      for (const target of targets) {
        process.stderr.write(`  run ${run}: ${target.label} under callgrind …\n`);
        const measurement = await measureTarget(target, settings, dir);
        everyRun.get(target.id)?.push({ perRequest: measurement.perRequest, compiling: compilerCost(measurement.functions) });
        const best = results.get(target.id);
        if (best === undefined || measurement.perRequest < best.perRequest) results.set(target.id, measurement);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const measured = targets.map((target) => results.get(target.id) as Measurement);
  if (settings.functionsFile !== undefined) {
    const byTarget = Object.fromEntries(targets.map((target, index) => [target.id, Object.fromEntries((measured[index] as Measurement).functions)]));
    writeFileSync(settings.functionsFile, `${JSON.stringify(byTarget, null, 1)}\n`);
  }
  const first = targets[0]?.id === MEASURED_IDS[0] ? (measured[0] as Measurement) : undefined;
  const baseline = first === undefined ? Number.NaN : first.perRequest;
  const compiledBaseline = first === undefined ? Number.NaN : first.perRequest - compilerCost(first.functions);
  const ratio = (value: number, base: number): string => (Number.isNaN(base) ? '–' : (value / base).toFixed(3));
  const lines = [
    `${settings.requests} keep-alive requests over ${settings.connections} connections after ${settings.warmUp} unmeasured, ` +
      `node ${process.version} --single-threaded, lowest of ${settings.runs} run(s); every request carries ${Object.keys(ALB_REQUEST_HEADERS).join(', ')}, ` +
      `from ${CLIENT_POOL_SIZE} clients in turn (the rate limit at its defaults)`,
    '',
    '| target | instructions per request | × bare + headers | without V8 compiling | × bare + headers | every run |',
    '|---|---|---|---|---|---|',
    ...targets.map((target, index) => {
      const { perRequest, functions } = measured[index] as Measurement;
      const withoutCompiling = perRequest - compilerCost(functions);
      const runs = (everyRun.get(target.id) ?? [])
        .map((run) => `${Math.round(run.perRequest)}${run.compiling >= 1 ? ` (${Math.round(run.compiling)} compiling)` : ''}`)
        .join(', ');
      return (
        `| ${target.label} | ${Math.round(perRequest)} | ${ratio(perRequest, baseline)} | ${Math.round(withoutCompiling)} | ` +
        `${ratio(withoutCompiling, compiledBaseline)} | ${runs} |`
      );
    }),
    '',
    ...functionTables(
      targets.map((target, index) => ({ label: target.label, perRequest: (measured[index] as Measurement).functions })),
      (name) => /\((?:lib\/|server\.ts)/.test(name),
      TOP_FUNCTIONS,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
