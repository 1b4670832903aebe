// The benchmark harness's pure parts: load-generator report parsing, /proc parsing, medians and ratios, target checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bundleModules, compilerCost, functionNamer, functionTables, parseCallgrindDump, parsePerfMap, perfMapLookup, selfCosts } from '../bench/callgrind.ts';
import { wrkArguments } from '../bench/load.ts';
import { parseAutocannonResult, parseWrkReport, parseWrkTime } from '../bench/load-output.ts';
import { parseBusyTicks, parseProcStat, parseVmHwmKb } from '../bench/proc.ts';
import { checksTable, summarize, summarizeScale, targetChecks, type RoundRecord } from '../bench/report.ts';
import { cpuMsPerThousand, holds, median, ratio, relativeSpread } from '../bench/stats.ts';
import { headerBlockOf } from '../bench/targets.ts';

// Verbatim output of wrk 4.1.0 (Debian) with --latency.
const WRK_REPORT = `Running 1s test @ http://127.0.0.1:18111/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.64ms    2.96ms  30.16ms   78.53%
    Req/Sec     2.85k     1.69k    6.47k    80.00%
  Latency Distribution
     50%    3.54ms
     75%    5.09ms
     90%    6.56ms
     99%   14.76ms
  2868 requests in 1.01s, 470.53KB read
Requests/sec:   2842.90
Transfer/sec:    466.41KB
`;

describe('wrk report parsing', () => {
  test('reads requests, duration, rate and the 50th/99th percentiles', () => {
    assert.deepEqual(parseWrkReport(WRK_REPORT), {
      requests: 2868,
      durationSeconds: 1.01,
      requestsPerSecond: 2842.9,
      p50Ms: 3.54,
      p99Ms: 14.76,
      non2xx: 0,
      errors: 0,
    });
  });

  test('counts non-2xx responses and every kind of socket error', () => {
    const report = WRK_REPORT.replace(
      'Requests/sec:',
      '  Socket errors: connect 1, read 3, write 0, timeout 2\n  Non-2xx or 3xx responses: 7\nRequests/sec:',
    );
    const parsed = parseWrkReport(report);
    assert.equal(parsed.non2xx, 7);
    assert.equal(parsed.errors, 6);
  });

  test('converts every time unit wrk prints to milliseconds', () => {
    assert.equal(parseWrkTime('850.00us'), 0.85);
    assert.equal(parseWrkTime('2.27ms'), 2.27);
    assert.equal(parseWrkTime('1.50s'), 1500);
    assert.equal(parseWrkTime('1.00m'), 60_000);
    assert.throws(() => parseWrkTime('12 parsecs'), /unreadable wrk time/);
  });

  test('rejects output without latency percentiles, naming what is missing', () => {
    const withoutLatency = WRK_REPORT.replace(/ {5}50%.*\n/, '');
    assert.throws(() => parseWrkReport(withoutLatency), /50% latency/);
    assert.throws(() => parseWrkReport('connection refused'), /"N requests in T"/);
  });
});

describe('autocannon result parsing', () => {
  test('takes req/s as total over duration, latency percentiles, non-2xx, errors and timeouts', () => {
    const result = { requests: { total: 30_000, average: 9_000 }, duration: 3, latency: { p50: 4, p99: 21 }, non2xx: 5, errors: 2, timeouts: 1 };
    assert.deepEqual(parseAutocannonResult(JSON.stringify(result)), {
      requests: 30_000,
      durationSeconds: 3,
      requestsPerSecond: 10_000,
      p50Ms: 4,
      p99Ms: 21,
      non2xx: 5,
      errors: 3,
    });
  });

  test('rejects what is not an autocannon result', () => {
    assert.throws(() => parseAutocannonResult('Running 10s test'), /not JSON/);
    assert.throws(() => parseAutocannonResult('{"latency":{}}'), /requests\.total or duration/);
  });
});

describe('wrk arguments', () => {
  const base = {
    url: 'http://127.0.0.1:8080/',
    connections: 50,
    durationSeconds: 5,
    headers: { Origin: 'https://app.example.com' },
    newConnectionPerRequest: false,
    distinctClients: 0,
    cpu: 1,
  };

  test('keep-alive: one thread, latency percentiles, the Origin header', () => {
    assert.deepEqual(wrkArguments(base, '/x.lua'), [
      '-t1', '-c50', '-d5s', '--latency', '--timeout', '5s', '-H', 'Origin: https://app.example.com', 'http://127.0.0.1:8080/',
    ]);
  });

  test('new connections and the X-Forwarded-For script with its client count', () => {
    const args = wrkArguments({ ...base, newConnectionPerRequest: true, distinctClients: 100_000 }, '/x.lua');
    assert.deepEqual(args.slice(-7), ['-H', 'Connection: close', '-s', '/x.lua', 'http://127.0.0.1:8080/', '--', '100000']);
  });
});

describe('/proc parsing', () => {
  test('stat fields are read after the last parenthesis, whatever the command name holds', () => {
    const stat = '4242 (node (a) b) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 40 7 3 20 0 11 0 100 0 0';
    assert.deepEqual(parseProcStat(stat), { ppid: 17, ownTicks: 290, reapedChildTicks: 10 });
    assert.throws(() => parseProcStat('1 (x) S 0'), /fewer than 17 fields/);
  });

  test('peak RSS comes from VmHWM', () => {
    assert.equal(parseVmHwmKb('Name:\tnode\nVmPeak:\t 900000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t 80000 kB\n'), 81_234);
    assert.equal(parseVmHwmKb('Name:\tkthreadd\n'), 0);
  });

  test('machine busy time excludes idle and iowait', () => {
    const procStat = 'cpu  100 5 50 9000 70 1 2 3 0 0\ncpu0 50 2 25 4500 35 0 1 1 0 0\n';
    assert.equal(parseBusyTicks(procStat), 100 + 5 + 50 + 1 + 2 + 3);
  });
});

describe('statistics', () => {
  test('median of odd and even counts, NaN for none', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  test('spread is (max - min) / median; ratios and CPU per 1 000 requests', () => {
    assert.equal(relativeSpread([90, 100, 110]), 0.2);
    assert.equal(relativeSpread([100]), 0);
    assert.equal(ratio(82, 100), 0.82);
    assert.ok(Number.isNaN(ratio(1, 0)));
    assert.equal(cpuMsPerThousand(500, 20_000), 25);
  });

  test('a check holds only for a real measurement on the right side of its limit', () => {
    assert.equal(holds({ name: 'x', measured: 0.95, limit: 0.95, kind: 'min' }), true);
    assert.equal(holds({ name: 'x', measured: 0.94, limit: 0.95, kind: 'min' }), false);
    assert.equal(holds({ name: 'x', measured: 1.3, limit: 1.2, kind: 'max' }), false);
    assert.equal(holds({ name: 'x', measured: Number.NaN, limit: 1.2, kind: 'max' }), false);
  });
});

function round(target: string, rps: number, roundNumber: number, p99Ms = 2): RoundRecord {
  const load = { requests: rps * 5, durationSeconds: 5, requestsPerSecond: rps, p50Ms: 1, p99Ms, non2xx: 0, errors: 0 };
  return { target, mode: 'keep-alive', round: roundNumber, load, serverCpuMs: rps * 5 * 0.03, foreignCores: 0, attempts: 1 };
}

describe('report', () => {
  const targets = ['bare', 'bare-headers', 'service', 'service-log-off', 'fastify'].map((id, index) => ({
    id,
    label: id,
    peakRssMb: 70 + index,
    coldStartMs: 100 + index * 5,
  }));
  const records = [
    round('bare', 30_000, 1), round('bare', 32_000, 2), round('bare', 31_000, 3),
    round('bare-headers', 25_000, 1), round('bare-headers', 26_000, 2), round('bare-headers', 24_000, 3),
    round('service', 21_000, 1), round('service', 20_000, 2), round('service', 22_000, 3),
    round('service-log-off', 24_000, 1, 2.2), round('service-log-off', 25_000, 2, 2.2), round('service-log-off', 23_000, 3, 2.2),
    round('fastify', 8_000, 1), round('fastify', 8_000, 2), round('fastify', 9_000, 3),
  ];

  test('ratios are the median of per-round ratios to the baselines of the same round', () => {
    const summaries = summarize(records, targets, 'keep-alive');
    const service = summaries.find((summary) => summary.id === 'service');
    assert.equal(service?.requestsPerSecond, 21_000);
    // Rounds: 21/30, 20/32, 22/31 → median 21/30 (0.700 > 0.6875, < 0.7097).
    assert.equal(service?.vsBare, 21_000 / 30_000);
    // Rounds: 21/25, 20/26, 22/24 → median 21/25.
    assert.equal(service?.vsBareHeaders, 21_000 / 25_000);
    assert.equal(service?.cpuMsPer1k, 30);
    assert.equal(summarize(records, targets, 'new-connection')[0]?.perRound.length, 0);
  });

  test('target checks compare the service with the baselines and fastify', () => {
    const summaries = summarize(records, targets, 'keep-alive');
    const scale = summarizeScale(new Map([[1, [20_000]], [1_000, [19_000]], [100_000, [17_000]]]));
    const checks = new Map(targetChecks(summaries, scale).map((check) => [check.name, check]));
    const check = (prefix: string) => [...checks.values()].find((item) => item.name.startsWith(prefix));
    // Rounds: 24/25, 25/26, 23/24 → median 24/25 (0.96 < 0.9615, > 0.9583).
    assert.equal(check('keep-alive req/s, access log off')?.measured, 24_000 / 25_000);
    assert.deepEqual(check('keep-alive req/s, access log off')?.perRound, [24_000 / 25_000, 25_000 / 26_000, 23_000 / 24_000]);
    assert.equal(holds(check('keep-alive req/s, access log off')!), true);
    // The same-run ratios to bare, divided: service 21/30 (median of 21/30, 20/32, 22/31), fastify 8/30 (of 8/30, 8/32, 9/31).
    assert.equal(check('keep-alive req/s, access log on ≥ 2.5')?.measured, 21_000 / 30_000 / (8_000 / 30_000));
    assert.equal(check('keep-alive p99')?.measured, 2.2 / 2);
    assert.equal(check('peak RSS')?.measured, 2);
    assert.equal(check('limiter')?.measured, 0.85);
    assert.ok(Number.isNaN(check('new-connection')?.measured ?? 0), 'no new-connection rounds: not measured');
  });

  test('the checks table shows enough digits that a value just below its limit does not read as the limit', () => {
    const table = checksTable([
      { name: 'just below', measured: 0.7977, limit: 0.8, kind: 'min' },
      { name: 'just above', measured: 1.2004, limit: 1.2, kind: 'max' },
      { name: 'absent', measured: Number.NaN, limit: 0.8, kind: 'min' },
    ]);
    assert.match(table, /\| just below \| 0\.798 \| ≥ 0\.8 \| \*\*misses\*\* \| – \|/);
    assert.match(table, /\| just above \| 1\.2004 \| ≤ 1\.2 \| \*\*misses\*\* \| – \|/);
    assert.match(table, /\| absent \| .* \| not measured \| – \|/);
  });

  test('the checks table counts the rounds whose own ratio would hold, so a verdict on a median shows how settled it is', () => {
    const table = checksTable([
      { name: 'at least', measured: 0.94, perRound: [0.93, 0.97, 0.94, 0.95, 0.9], limit: 0.95, kind: 'min' },
      { name: 'at most', measured: 1.1, perRound: [1.3, 1.1], limit: 1.2, kind: 'max' },
    ]);
    assert.match(table, /\| at least \| 0\.94 \| ≥ 0\.95 \| \*\*misses\*\* \| 2 of 5 \|/);
    assert.match(table, /\| at most \| 1\.10 \| ≤ 1\.2 \| holds \| 1 of 2 \|/);
  });
});

test('the bare + headers block is the service header block minus what node:http adds itself', () => {
  const raw = ['X-Frame-Options', 'DENY', 'Content-Length', '26', 'Date', 'x', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=65', 'Vary', 'Origin'];
  assert.deepEqual(headerBlockOf(raw), ['X-Frame-Options', 'DENY', 'Vary', 'Origin']);
});

// A callgrind dump in its compressed form, as callgrind 3.19 writes it (trimmed): a symbol calling JIT code, a
// recursion level ('2), a compiler function, subposition compression (+n, *) and a cost line without a count.
const CALLGRIND_DUMP = `# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir
summary: 1900

ob=(10) /usr/bin/node
fl=(1) ???
fn=(1) uv_hrtime
142 100
cob=(2) ???
cfi=(1)
cfn=(2) 0x0000000000001010
calls=3 0
0 700
+2 50
fn=(2)
0 300
* 200
cfn=(3) Builtins_JSEntry'2
calls=1 0
0 99999
fn=(3)
0 400
fn=(4) Builtins_JSEntry
-1 100
fn=(5) v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*)
0 600
fn=(6) v8::internal::Foo(v8::internal::compiler::Node*)
0 150
fn=(2)
12
totals: 1900
`;

const PERF_MAP = `1000 40 JS:*send file:///srv/dist/server.js:12:7
1040 10 JS:~ file:///srv/dist/server.js:2:1
2000 20 JS:^writeHead node:_http_server:355:19
3000 8 Builtin:ArrayPrototypePush
4000 10 JS:o*'take file:///srv/dist/server.js:4:3
1000 20 JS:+send file:///srv/dist/server.js:12:7
`;
const BUNDLE = '// lib/app.ts\nimport x from "y";\n// lib/respond.ts\nclass Responder {\n}\n';

describe('callgrind dump and perf map parsing', () => {
  test('self costs leave out the costs of calls, add up subpositions and resolve compressed names', () => {
    const dump = parseCallgrindDump(CALLGRIND_DUMP);
    assert.equal(dump.total, 1900);
    assert.deepEqual(Object.fromEntries(dump.functions), {
      uv_hrtime: 150,
      '0x0000000000001010': 500,
      "Builtins_JSEntry'2": 400,
      Builtins_JSEntry: 100,
      'v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*)': 600,
      'v8::internal::Foo(v8::internal::compiler::Node*)': 150,
    });
    assert.throws(() => parseCallgrindDump('fn=(1) x\n0 1\n'), /no summary or totals/);
  });

  test('an Ir column after other events and positions is found by the header lines', () => {
    const dump = parseCallgrindDump('positions: instr line\nevents: Dr Ir\nsummary: 9\nfn=f\n0x10 3 7 9\n');
    assert.deepEqual(Object.fromEntries(dump.functions), { f: 9 });
  });

  test('the perf map: the later entry for a start address wins, addresses are looked up by range', () => {
    const map = parsePerfMap(PERF_MAP);
    assert.deepEqual(
      map.map((entry) => [entry.start, entry.end]),
      [
        [0x1000, 0x1020],
        [0x1040, 0x1050],
        [0x2000, 0x2020],
        [0x3000, 0x3008],
        [0x4000, 0x4010],
      ],
    );
    assert.equal(perfMapLookup(map, 0x101f)?.name, 'JS:+send file:///srv/dist/server.js:12:7');
    assert.equal(perfMapLookup(map, 0x1020), undefined);
    assert.equal(perfMapLookup(map, 0x3007)?.name, 'Builtin:ArrayPrototypePush');
    assert.equal(perfMapLookup(map, 0x999), undefined);
  });

  test('bundle lines map to the module whose esbuild marker comes before them', () => {
    const moduleOf = bundleModules(BUNDLE);
    assert.equal(moduleOf(1), 'lib/app.ts');
    assert.equal(moduleOf(2), 'lib/app.ts');
    assert.equal(moduleOf(4), 'lib/respond.ts');
    assert.equal(bundleModules('const x = 1;\n')(1), undefined);
  });

  test('names: JIT code by module and function without the tier mark, compilers added up, recursion levels merged', () => {
    const name = functionNamer(parsePerfMap(PERF_MAP), 'file:///srv/dist/server.js', bundleModules(BUNDLE));
    assert.equal(name('0x0000000000001004'), 'send (lib/respond.ts)');
    assert.equal(name('0x1041'), '(anonymous) (lib/app.ts, bundle line 2)');
    assert.equal(name('0x2001'), 'writeHead (node:_http_server)');
    assert.equal(name('0x3000'), 'Builtins_ArrayPrototypePush');
    assert.equal(name('0x4001'), 'take (lib/respond.ts)');
    assert.equal(name('0x5000'), '(JIT code not in the perf map)');
    assert.equal(name("Builtins_JSEntry'2"), 'Builtins_JSEntry');
    assert.equal(name('v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*)'), 'V8 compilers (v8::internal::compiler::*)');
    assert.equal(name('v8::internal::Foo(v8::internal::compiler::Node*)'), 'v8::internal::Foo(v8::internal::compiler::Node*)');
    const costs = selfCosts(parseCallgrindDump(CALLGRIND_DUMP), name);
    assert.deepEqual([...costs], [
      ['V8 compilers (v8::internal::compiler::*)', 600],
      ['send (lib/respond.ts)', 500],
      ['Builtins_JSEntry', 500],
      ['uv_hrtime', 150],
      ['v8::internal::Foo(v8::internal::compiler::Node*)', 150],
    ]);
    assert.equal(compilerCost(costs), 600);
    assert.equal(compilerCost(new Map([['V8 compilers (v8::internal::maglev::*)', 5], ['V8 compilers (v8::internal::compiler::*)', 7], ['x', 1]])), 12);
  });

  test('the tables: largest differences from the baseline either way, then the service\'s own functions', () => {
    const bare = { label: 'bare', perRequest: new Map([['a', 100], ['b', 50], ['c|d', 10]]) };
    const service = { label: 'service', perRequest: new Map([['a', 100], ['b', 20], ['c|d', 70], ['send (lib/respond.ts)', 40]]) };
    const lines = functionTables([bare, service], (name) => name.includes('(lib/'), 3);
    assert.deepEqual(lines.slice(2, 7), [
      '| function | bare | service | difference |',
      '|---|---|---|---|',
      '| c\\|d | 10 | 70 | +60 |',
      '| send (lib/respond.ts) | 0 | 40 | +40 |',
      '| b | 50 | 20 | -30 |',
    ]);
    assert.deepEqual(lines.slice(-3), ['| function | bare | service |', '|---|---|---|', '| send (lib/respond.ts) | 0 | 40 |']);
  });
});
