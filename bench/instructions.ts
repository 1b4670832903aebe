// `npm run bench:instructions`: user-space instructions per request under valgrind, service vs bare + headers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findOnPath } from './load.ts';
import { BENCH_ORIGIN, buildService, captureServiceHeaders, startTarget, stopTarget, targetSpecs, type TargetSpec } from './targets.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const EXIT_USAGE = 2;
/** valgrind runs Node 20–50 × slower; start-up alone takes several seconds. */
const START_TIMEOUT_MS = 180_000;
/** callgrind_control finds the process through files named after USER and HOST; both must match the target's. */
const VGDB_ENV = { USER: 'bench', HOST: '127.0.0.1' };
/** bare + headers (the baseline, first) and the service with its access log off and on. */
const MEASURED_IDS = ['bare-headers', 'service-log-off', 'service'] as const;

const USAGE = `usage: npm run bench:instructions -- [--requests 10000] [--warm-up 8000] [--connections 10] [--runs 1]
  Counts the server's user-space instructions per keep-alive request (valgrind's callgrind, node --single-threaded)
  for bare + headers and this service. Counts do not depend on the machine's load (2–3 % run to run, --runs 3 takes
  the lowest), so they settle changes that wrk's req/s cannot; kernel work (the same for both) is not counted. Needs valgrind (apt-get install valgrind).`;

interface Settings {
  readonly requests: number;
  readonly warmUp: number;
  readonly connections: number;
  readonly runs: number;
}

function fail(message: string): never {
  process.stderr.write(`bench:instructions: ${message}\n`);
  process.exit(EXIT_USAGE);
}

function readSettings(): Settings {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        requests: { type: 'string', default: '10000' },
        'warm-up': { type: 'string', default: '8000' },
        connections: { type: 'string', default: '10' },
        runs: { type: 'string', default: '1' },
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
  };
}

/** Sends exactly `count` GET / requests with an allowed Origin over `connections` keep-alive connections. */
async function sendRequests(port: number, count: number, connections: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      await new Promise<void>((resolve, reject) => {
        const request = get({ host: '127.0.0.1', port, path: '/', agent, headers: { Origin: BENCH_ORIGIN } }, (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
        });
        request.on('error', reject);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
}

function callgrindControl(pid: number, command: '-z' | '-d'): void {
  const result = spawnSync('callgrind_control', [command, String(pid)], { env: { ...process.env, ...VGDB_ENV }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${command} failed: ${result.stderr || result.stdout}`);
}

/** The `totals:` line of the newest dump callgrind wrote for `pid`. */
function dumpedInstructions(dir: string, pid: number): number {
  const dumps = readdirSync(dir)
    .filter((name) => name.startsWith(`cg.${pid}.`))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const text = dumps[0] === undefined ? '' : readFileSync(dumps[0], 'utf8');
  const match = /^(?:totals|summary): (\d+)/m.exec(text);
  if (match === null) throw new Error(`no callgrind dump for process ${pid} in ${dir}`);
  return Number(match[1]);
}

/** One of the bench's Node targets under callgrind: warm up, zero the counters, send the measured requests, dump, stop. */
async function instructionsPerRequest(target: TargetSpec, settings: Settings, dir: string): Promise<number> {
  const underCallgrind: TargetSpec = {
    id: target.id,
    label: `${target.label} under callgrind`,
    command: 'valgrind',
    args: (port) => ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.%p')}`, target.command, '--single-threaded', ...target.args(port)],
    env: { ...target.env, ...VGDB_ENV },
  };
  const running = await startTarget(underCallgrind, undefined, START_TIMEOUT_MS);
  const pid = running.child.pid ?? 0;
  try {
    if (settings.warmUp > 0) await sendRequests(running.port, settings.warmUp, settings.connections);
    callgrindControl(pid, '-z');
    await sendRequests(running.port, settings.requests, settings.connections);
    callgrindControl(pid, '-d');
    return dumpedInstructions(dir, pid) / settings.requests;
  } finally {
    await stopTarget(running);
  }
}

async function main(): Promise<void> {
  const settings = readSettings();
  for (const tool of ['valgrind', 'callgrind_control']) {
    if (findOnPath(tool) === undefined) fail(`${tool} is not installed (Debian/Ubuntu: sudo apt-get install -y valgrind)`);
  }
  if (!buildService(ROOT)) fail('the service does not build; fix `npm run build` first');
  const paths = { root: ROOT, servers: join(BENCH_DIR, 'servers') };
  const service = targetSpecs(paths, [], undefined).find((spec) => spec.id === 'service') as TargetSpec;
  const headers = await captureServiceHeaders(service, undefined);
  // The same targets, commands and environments as `npm run bench`, baseline first.
  const targets = MEASURED_IDS.map((id) => targetSpecs(paths, headers, undefined).find((spec) => spec.id === id) as TargetSpec);
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  const results = new Map<string, number[]>();
  try {
    for (let run = 1; run <= settings.runs; run++) {
      for (const target of targets) {
        process.stderr.write(`  run ${run}: ${target.label} under callgrind …\n`);
        const perRequest = await instructionsPerRequest(target, settings, dir);
        results.set(target.id, [...(results.get(target.id) ?? []), perRequest]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lowest = (id: string): number => Math.min(...(results.get(id) ?? [Number.NaN]));
  const baseline = lowest(MEASURED_IDS[0]);
  const lines = [
    `${settings.requests} keep-alive requests over ${settings.connections} connections after ${settings.warmUp} unmeasured, ` +
      `node ${process.version} --single-threaded, lowest of ${settings.runs} run(s)`,
    '',
    '| target | instructions per request | × bare + headers |',
    '|---|---|---|',
    ...targets.map((target) => `| ${target.label} | ${Math.round(lowest(target.id))} | ${(lowest(target.id) / baseline).toFixed(3)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
