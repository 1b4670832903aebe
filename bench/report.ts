// Pure report building: per-target medians and ratios from interleaved rounds, the performance targets (bench/README.md), and the Markdown tables.
import type { LoadResult } from './load-output.ts';
import { cpuMsPerThousand, formatAgainstLimit, formatNumber, holds, roundsHolding, markdownTable, median, ratio, relativeSpread, type TargetCheck } from './stats.ts';

export type Mode = 'keep-alive' | 'new-connection';

export interface RoundRecord {
  readonly target: string;
  readonly mode: Mode;
  readonly round: number;
  readonly load: LoadResult;
  /** CPU ms the server's process tree used during the round. */
  readonly serverCpuMs: number;
  /** Average cores used by processes other than the server, the load generator and the harness. */
  readonly foreignCores: number;
  /** How many times the round ran (more than 1 when another process took CPU). */
  readonly attempts: number;
}

export interface TargetInfo {
  readonly id: string;
  readonly label: string;
  readonly peakRssMb: number;
  readonly coldStartMs: number;
}

export interface Summary {
  readonly id: string;
  readonly label: string;
  readonly mode: Mode;
  readonly requestsPerSecond: number;
  readonly perRound: readonly number[];
  readonly spread: number;
  readonly vsBare: number;
  readonly vsBareHeaders: number;
  /** The per-round ratios behind vsBareHeaders. */
  readonly vsBareHeadersPerRound: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMsPer1k: number;
  readonly peakRssMb: number;
  readonly coldStartMs: number;
  /** Non-2xx responses and socket errors over all rounds: a healthy run has none. */
  readonly failures: number;
}

export const BARE = 'bare';
export const BARE_HEADERS = 'bare-headers';
/** bare + headers that also reads the socket's peer address, as identifying the client requires. */
export const BARE_HEADERS_PEER = 'bare-headers-peer';
/** Always measured, whatever --only names: the ratios are taken to the first two, and the third explains them. */
export const BASELINES: readonly string[] = [BARE, BARE_HEADERS, BARE_HEADERS_PEER];

/**
 * The median over rounds of target ÷ baseline, each pair taken from the same round. Interleaving puts both in the same
 * few seconds, so a slow patch of the machine (a noisy neighbour, a busy host) cancels out of each round's ratio.
 */
export function medianRoundRatio(target: readonly RoundRecord[], baseline: readonly RoundRecord[]): number {
  return median(roundRatios(target, baseline));
}

/** Target ÷ baseline req/s for every round both were measured in, in round order. */
export function roundRatios(target: readonly RoundRecord[], baseline: readonly RoundRecord[]): number[] {
  const ratios: number[] = [];
  for (const record of target) {
    const base = baseline.find((candidate) => candidate.round === record.round);
    if (base !== undefined) ratios.push(ratio(record.load.requestsPerSecond, base.load.requestsPerSecond));
  }
  return ratios;
}

/** Medians per target for one mode, with each target's ratio to the baselines measured in the same run. */
export function summarize(records: readonly RoundRecord[], targets: readonly TargetInfo[], mode: Mode): Summary[] {
  const roundsOf = (id: string): RoundRecord[] => records.filter((record) => record.target === id && record.mode === mode);
  const bare = roundsOf(BARE);
  const bareHeaders = roundsOf(BARE_HEADERS);
  const summaries: Summary[] = [];
  for (const target of targets) {
    const mine = roundsOf(target.id);
    const perRound = mine.map((record) => record.load.requestsPerSecond);
    const rps = median(perRound);
    const perRoundVsHeaders = roundRatios(mine, bareHeaders);
    let failures = 0;
    for (const record of mine) failures += record.load.non2xx + record.load.errors;
    summaries.push({
      id: target.id,
      label: target.label,
      mode,
      requestsPerSecond: rps,
      perRound,
      spread: relativeSpread(perRound),
      vsBare: medianRoundRatio(mine, bare),
      vsBareHeaders: median(perRoundVsHeaders),
      vsBareHeadersPerRound: perRoundVsHeaders,
      p50Ms: median(mine.map((record) => record.load.p50Ms)),
      p99Ms: median(mine.map((record) => record.load.p99Ms)),
      cpuMsPer1k: median(mine.map((record) => cpuMsPerThousand(record.serverCpuMs, record.load.requests))),
      peakRssMb: target.peakRssMb,
      coldStartMs: target.coldStartMs,
      failures,
    });
  }
  return summaries;
}

export interface ScalePoint {
  readonly clients: number;
  readonly requestsPerSecond: number;
  readonly spread: number;
  readonly vsOneClient: number;
}

/** Median req/s per distinct-client count, relative to the single-client figure. */
export function summarizeScale(byClients: ReadonlyMap<number, readonly number[]>): ScalePoint[] {
  const one = median(byClients.get(1) ?? []);
  const points: ScalePoint[] = [];
  for (const [clients, values] of byClients) {
    const rps = median(values);
    points.push({ clients, requestsPerSecond: rps, spread: relativeSpread(values), vsOneClient: ratio(rps, one) });
  }
  return points;
}

function find(summaries: readonly Summary[], id: string, mode: Mode): Summary | undefined {
  return summaries.find((summary) => summary.id === id && summary.mode === mode);
}

/** A req/s target relative to bare + headers: the median of the per-round ratios, with the rounds behind it. */
function atLeastBareHeaders(name: string, summary: Summary | undefined, limit: number): TargetCheck {
  return { name, measured: summary?.vsBareHeaders ?? Number.NaN, perRound: summary?.vsBareHeadersPerRound, limit, kind: 'min' };
}

/** The performance targets (bench/README.md), as checks against this run's numbers (NaN where a target was not measured). */
export function targetChecks(summaries: readonly Summary[], scale: readonly ScalePoint[]): TargetCheck[] {
  const get = (id: string, mode: Mode): Summary | undefined => find(summaries, id, mode);
  const logOffKeep = get('service-log-off', 'keep-alive');
  const logOnKeep = get('service', 'keep-alive');
  const logOffNew = get('service-log-off', 'new-connection');
  const headersKeep = get(BARE_HEADERS, 'keep-alive');
  const bareKeep = get(BARE, 'keep-alive');
  const fastifyKeep = get('fastify', 'keep-alive');
  const wide = scale.find((point) => point.clients === 100_000);
  const nan = Number.NaN;
  return [
    atLeastBareHeaders('keep-alive req/s, access log off ≥ 0.95 × bare + headers', logOffKeep, 0.95),
    atLeastBareHeaders('keep-alive req/s, access log on ≥ 0.80 × bare + headers', logOnKeep, 0.8),
    atLeastBareHeaders('new-connection req/s, access log off ≥ 0.95 × bare + headers', logOffNew, 0.95),
    {
      name: 'keep-alive p99, access log off ≤ 1.2 × bare + headers',
      measured: ratio(logOffKeep?.p99Ms ?? nan, headersKeep?.p99Ms ?? nan),
      limit: 1.2,
      kind: 'max',
    },
    {
      name: 'peak RSS, access log on ≤ bare + 15 MB (MB over bare)',
      measured: (logOnKeep?.peakRssMb ?? nan) - (bareKeep?.peakRssMb ?? nan),
      limit: 15,
      kind: 'max',
    },
    { name: 'cold start ≤ 1.2 × bare', measured: ratio(logOnKeep?.coldStartMs ?? nan, bareKeep?.coldStartMs ?? nan), limit: 1.2, kind: 'max' },
    {
      name: 'keep-alive req/s, access log on ≥ 2.5 × fastify + plugins',
      measured: ratio(logOnKeep?.vsBare ?? nan, fastifyKeep?.vsBare ?? nan),
      limit: 2.5,
      kind: 'min',
    },
    { name: 'limiter: 100 000 clients ≥ 0.8 × one client', measured: wide?.vsOneClient ?? nan, limit: 0.8, kind: 'min' },
  ];
}

export function summaryTable(summaries: readonly Summary[]): string {
  const header = ['target', 'mode', 'req/s', 'spread', '× bare', '× bare+hdr', 'p50 ms', 'p99 ms', 'CPU ms/1k req', 'peak RSS MB', 'cold start ms'];
  const rows = summaries.map((summary) => [
    summary.failures > 0 ? `${summary.label} ⚠ ${summary.failures} non-2xx/errors` : summary.label,
    summary.mode,
    formatNumber(summary.requestsPerSecond, 0),
    `±${formatNumber((summary.spread * 100) / 2, 1)} %`,
    formatNumber(summary.vsBare, 2),
    formatNumber(summary.vsBareHeaders, 2),
    formatNumber(summary.p50Ms, 2),
    formatNumber(summary.p99Ms, 2),
    formatNumber(summary.cpuMsPer1k, 1),
    formatNumber(summary.peakRssMb, 1),
    formatNumber(summary.coldStartMs, 0),
  ]);
  return markdownTable(header, rows);
}

export function scaleTable(points: readonly ScalePoint[]): string {
  const rows = points.map((point) => [
    point.clients.toLocaleString('en-US'),
    formatNumber(point.requestsPerSecond, 0),
    `±${formatNumber((point.spread * 100) / 2, 1)} %`,
    formatNumber(point.vsOneClient, 2),
  ]);
  return markdownTable(['distinct clients (X-Forwarded-For)', 'req/s', 'spread', '× one client'], rows);
}

/** The checks with their verdicts; for a median of per-round ratios, also how many rounds alone would hold. */
export function checksTable(checks: readonly TargetCheck[]): string {
  const rows = checks.map((check) => [
    check.name,
    formatAgainstLimit(check.measured, check.limit),
    `${check.kind === 'min' ? '≥' : '≤'} ${check.limit}`,
    Number.isFinite(check.measured) ? (holds(check) ? 'holds' : '**misses**') : 'not measured',
    check.perRound === undefined || check.perRound.length === 0
      ? '–'
      : `${roundsHolding(check)} of ${check.perRound.length}`,
  ]);
  return markdownTable(['target', 'measured', 'required', 'result', 'rounds that hold'], rows);
}
