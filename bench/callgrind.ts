// Reads a callgrind dump into instructions per function (self cost), naming V8's JIT code through its perf map.

export interface CallgrindDump {
  /** The dump's `summary:` (or `totals:`) instruction count. */
  readonly total: number;
  /**
   * Instructions executed in each function's own code (self cost), by the name callgrind wrote: a symbol, or `0x…`
   * for code without one (V8's JIT code).
   */
  readonly functions: ReadonlyMap<string, number>;
}

const COST_LINE = /^[0-9+*-]/;
/** How functionNamer names V8's optimising and baseline compilers, one group each. */
const COMPILERS = 'V8 compilers';
const NAME_LINE = /^(c?fn)=(?:\((\d+)\))?\s*(.*)$/;

/**
 * Parses callgrind's format (valgrind docs, "Callgrind Format Specification"): name compression `fn=(id) name`, then
 * `fn=(id)` (cfn= shares the table); cost lines `position… event…`; the cost line after a `calls=` line is the
 * inclusive cost of a call, not part of the caller's self cost. Only the Ir event is kept.
 */
export function parseCallgrindDump(text: string): CallgrindDump {
  const names = new Map<string, string>();
  const functions = new Map<string, number>();
  let positions = 1;
  let irIndex = 1;
  let total = Number.NaN;
  let current: string | undefined;
  let inCall = false;

  for (const line of text.split('\n')) {
    if (COST_LINE.test(line)) {
      const cost = Number(line.trim().split(/\s+/)[irIndex] ?? 0);
      if (inCall) inCall = false;
      else if (current !== undefined && Number.isFinite(cost)) functions.set(current, (functions.get(current) ?? 0) + cost);
      continue;
    }
    const named = NAME_LINE.exec(line);
    if (named !== null) {
      const [, kind, id, given = ''] = named;
      let name = given;
      if (id !== undefined) {
        if (given === '') name = names.get(id) ?? `(${id})`;
        else names.set(id, given);
      }
      if (kind === 'fn') current = name;
      continue;
    }
    if (line.startsWith('calls=')) inCall = true;
    else if (line.startsWith('positions:')) positions = line.slice('positions:'.length).trim().split(/\s+/).length;
    else if (line.startsWith('events:')) irIndex = positions + Math.max(0, line.slice('events:'.length).trim().split(/\s+/).indexOf('Ir'));
    else if (Number.isNaN(total) && /^(?:summary|totals):/.test(line)) total = Number(line.slice(line.indexOf(':') + 1).trim().split(/\s+/)[0]);
  }
  if (Number.isNaN(total)) throw new Error('not a callgrind dump: no summary or totals line');
  return { total, functions };
}

/** A code range from V8's perf map (`--perf-basic-prof`: /tmp/perf-<pid>.map, "start size name" in hex). */
export interface PerfMapEntry {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** The map's entries by start address; a later entry for the same start (code created again there) wins. */
export function parsePerfMap(text: string): PerfMapEntry[] {
  const byStart = new Map<number, PerfMapEntry>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/i.exec(line);
    if (match === null) continue;
    const start = parseInt(match[1] as string, 16);
    byStart.set(start, { start, end: start + parseInt(match[2] as string, 16), name: match[3] as string });
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** The entry whose range holds `address`, by binary search. */
export function perfMapLookup(entries: readonly PerfMapEntry[], address: number): PerfMapEntry | undefined {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const entry = entries[middle] as PerfMapEntry;
    if (address < entry.start) high = middle - 1;
    else if (address >= entry.end) low = middle + 1;
    else return entry;
  }
  return undefined;
}

/**
 * Which source module each line of an esbuild bundle comes from: esbuild writes `// lib/log.ts` before each module's
 * code. Returns a lookup from a 1-based bundle line to the module, undefined before the first marker.
 */
export function bundleModules(bundle: string): (line: number) => string | undefined {
  const starts: { line: number; module: string }[] = [];
  const lines = bundle.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const match = /^\/\/ ((?:[\w.-]+\/)*[\w.-]+\.[cm]?[jt]s)$/.exec(lines[index] as string);
    if (match !== null) starts.push({ line: index + 1, module: match[1] as string });
  }
  return (line) => {
    let found: string | undefined;
    for (const start of starts) {
      if (start.line > line) break;
      found = start.module;
    }
    return found;
  };
}

/**
 * A readable name for a function of the dump. Symbols stay as they are (callgrind's recursion suffix `'2` dropped),
 * but V8's compilers are added up per compiler: code still being optimised during the measured requests.
 * JIT code is named from the perf map, without V8's tier marks (`*` TurboFan, `+` Maglev, `^` Sparkplug, `~` Ignition,
 * `o` on-stack replacement, and the `'` Node 26's V8 adds after some of them): JS functions
 * of the bundle as `name (lib/module.ts)` (an anonymous one with its bundle line), others as `name (node:module)`.
 */
export function functionNamer(perfMap: readonly PerfMapEntry[], bundleUrl: string, moduleOf: (line: number) => string | undefined): (raw: string) => string {
  return (raw) => {
    const name = raw.replace(/'\d+$/, '');
    const compiler = /\bv8::internal::(compiler|maglev|baseline)::/.exec(name.split('(', 1)[0] as string);
    if (compiler !== null) return `${COMPILERS} (v8::internal::${compiler[1]}::*)`;
    if (!/^0x[0-9a-f]+$/i.test(name)) return name;
    const entry = perfMapLookup(perfMap, parseInt(name.slice(2), 16));
    if (entry === undefined) return '(JIT code not in the perf map)';
    const js = /^JS:(?:o?[*~^+])?'?(\S*) (\S+?):(\d+):\d+$/.exec(entry.name);
    if (js === null) return entry.name.replace(/^Builtin:/, 'Builtins_');
    const [, functionName = '', location = '', line = '0'] = js;
    if (location === bundleUrl) {
      const module = moduleOf(Number(line)) ?? 'bundle';
      return functionName === '' ? `(anonymous) (${module}, bundle line ${line})` : `${functionName} (${module})`;
    }
    return `${functionName === '' ? '(anonymous)' : functionName} (${location.replace(/^file:\/\//, '')})`;
  };
}

/** Self cost per readable name (functions `nameOf` gives the same name are added up), largest first. */
export function selfCosts(dump: CallgrindDump, nameOf: (raw: string) => string): Map<string, number> {
  const costs = new Map<string, number>();
  for (const [raw, self] of dump.functions) {
    const name = nameOf(raw);
    costs.set(name, (costs.get(name) ?? 0) + self);
  }
  return new Map([...costs].sort((a, b) => b[1] - a[1]));
}

/**
 * The instructions of V8's compilers among `costs` (by functionNamer's names). With --single-threaded they run on the
 * main thread, and they still tier functions up after thousands of requests: a warm-up cost, not a per-request one.
 */
export function compilerCost(costs: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [name, cost] of costs) {
    if (name.startsWith(`${COMPILERS} (`)) total += cost;
  }
  return total;
}

/** Where the instructions per request of each target went, function by function, for the report. */
export interface FunctionCosts {
  readonly label: string;
  /** Instructions per request by function name. */
  readonly perRequest: ReadonlyMap<string, number>;
}

function formatCount(value: number): string {
  return String(Math.round(value));
}

/**
 * Two Markdown tables: the `top` functions whose self cost per request differs most between the baseline (first) and
 * the last target, with every target's cost; and the `top` costliest functions of the service's own code (`isOwn`).
 */
export function functionTables(targets: readonly FunctionCosts[], isOwn: (name: string) => boolean, top: number): string[] {
  const first = targets[0];
  const last = targets[targets.length - 1];
  if (first === undefined || last === undefined) return [];
  const cost = (target: FunctionCosts, name: string): number => target.perRequest.get(name) ?? 0;
  const names = new Set([...first.perRequest.keys(), ...last.perRequest.keys()]);
  const byDifference = [...names]
    .map((name) => ({ name, difference: cost(last, name) - cost(first, name) }))
    .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference) || a.name.localeCompare(b.name))
    .slice(0, top);
  const header = `| function | ${targets.map((target) => target.label).join(' | ')} |`;
  const rule = `|---|${targets.map(() => '---|').join('')}`;
  const row = (name: string, extra: string[]): string =>
    `| ${name.replaceAll('|', '\\|')} | ${targets.map((target) => formatCount(cost(target, name))).join(' | ')} |${extra.map((cell) => ` ${cell} |`).join('')}`;
  const own = [...last.perRequest.keys()].filter(isOwn).sort((a, b) => cost(last, b) - cost(last, a)).slice(0, top);
  return [
    `Instructions per request in each function's own code (self cost), the ${top} largest differences between ${first.label} and ${last.label}:`,
    '',
    `${header} difference |`,
    `${rule}---|`,
    ...byDifference.map(({ name, difference }) => row(name, [`${difference > 0 ? '+' : ''}${formatCount(difference)}`])),
    '',
    `The service's own functions (lib/, server.ts; TurboFan inlines small ones into their callers), self cost per request:`,
    '',
    header,
    rule,
    ...own.map((name) => row(name, [])),
  ];
}
