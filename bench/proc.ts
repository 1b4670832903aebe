// Reads Linux /proc: CPU time and peak RSS of a process tree, the machine's busy time, and the harness's reaped children.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc times (USER_HZ); 100 on every mainstream Linux build. */
function clockTicksPerSecond(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(result.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

const MS_PER_TICK = 1000 / clockTicksPerSecond();

export interface ProcStat {
  readonly ppid: number;
  /** User + system time of the process itself, in ticks. */
  readonly ownTicks: number;
  /** User + system time of its children that it has waited for, in ticks. */
  readonly reapedChildTicks: number;
}

/** Parses /proc/<pid>/stat (proc(5)); the command name may contain spaces and parentheses, so fields start after the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
  // After the name: [0] state (field 3), [1] ppid (4), [11] utime (14), [12] stime (15), [13] cutime (16), [14] cstime (17).
  const at = (index: number): number => Number(fields[index]);
  const ppid = at(1);
  if (fields.length < 15 || !Number.isFinite(ppid)) throw new Error('unreadable /proc/<pid>/stat: fewer than 17 fields');
  return { ppid, ownTicks: at(11) + at(12), reapedChildTicks: at(13) + at(14) };
}

/** Peak resident set size in kB from /proc/<pid>/status (VmHWM), 0 when absent. */
export function parseVmHwmKb(statusText: string): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(statusText);
  return match === null ? 0 : Number(match[1]);
}

/** Busy ticks (everything but idle and iowait) from the aggregate "cpu" line of /proc/stat. */
export function parseBusyTicks(procStatText: string): number {
  const line = /^cpu\s+(.*)$/m.exec(procStatText);
  if (line === null) throw new Error('unreadable /proc/stat: no aggregate "cpu" line');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (line[1] ?? '').trim().split(/\s+/).map(Number);
  return user + nice + system + irq + softirq + steal;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pid and all its live descendants (gunicorn's workers, for example). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === undefined) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(Number(entry));
    children.set(stat.ppid, siblings);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU milliseconds used so far by the given processes. */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.ownTicks ?? 0;
  return ticks * MS_PER_TICK;
}

/** Sum of the processes' peak RSS, in MB. */
export function peakRssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += parseVmHwmKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      // The process has gone; it no longer holds memory.
    }
  }
  return kb / 1024;
}

/** Milliseconds of CPU the whole machine has been busy. */
export function machineBusyMs(): number {
  return parseBusyTicks(readFileSync('/proc/stat', 'utf8')) * MS_PER_TICK;
}

/** CPU ms of this process plus the children it has reaped (the load generator, once it has exited). */
export function harnessCpuMs(): number {
  const stat = readStat(process.pid);
  return stat === undefined ? 0 : (stat.ownTicks + stat.reapedChildTicks) * MS_PER_TICK;
}
