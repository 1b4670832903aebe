// Pure benchmark maths: medians, spread across rounds, ratios to a baseline, and the pass/fail of a target.

/** The middle value (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Spread of rounds as (max - min) / median, so "±4 %" means the rounds agreed within about 8 % overall. */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mid = median(values);
  if (!(mid > 0)) return Number.NaN;
  return (Math.max(...values) - Math.min(...values)) / mid;
}

/** value / baseline, NaN when either is missing or the baseline is zero. */
export function ratio(value: number, baseline: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return Number.NaN;
  return value / baseline;
}

/** Server CPU milliseconds spent per 1 000 answered requests. */
export function cpuMsPerThousand(cpuMs: number, requests: number): number {
  if (requests <= 0) return Number.NaN;
  return (cpuMs / requests) * 1000;
}

export interface TargetCheck {
  readonly name: string;
  /** The measured value, e.g. a ratio or megabytes. */
  readonly measured: number;
  /** The limit it is compared with. */
  readonly limit: number;
  /** 'min': measured must be ≥ limit; 'max': measured must be ≤ limit. */
  readonly kind: 'min' | 'max';
  /** When `measured` is a median of per-round values: those values, to show how settled the verdict is. */
  readonly perRound?: readonly number[] | undefined;
}

/** Whether a check holds; a missing measurement (NaN) never holds. */
export function holds(check: TargetCheck): boolean {
  if (!Number.isFinite(check.measured)) return false;
  return check.kind === 'min' ? check.measured >= check.limit : check.measured <= check.limit;
}

/** How many of a check's per-round values are on the passing side of its limit on their own. */
export function roundsHolding(check: TargetCheck): number {
  let count = 0;
  for (const value of check.perRound ?? []) {
    if (holds({ ...check, measured: value })) count++;
  }
  return count;
}

/** Fixed-point text for a table cell; '–' for a missing value. */
export function formatNumber(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/**
 * A measurement beside its limit: two decimals, or more (up to six) while it would otherwise print as the limit
 * itself, so 0.7977 against 0.8 reads 0.798 rather than a "0.80" that misses.
 */
export function formatAgainstLimit(value: number, limit: number): string {
  let digits = 2;
  while (digits < 6 && value !== limit && formatNumber(value, digits) === formatNumber(limit, digits)) digits++;
  return formatNumber(value, digits);
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}
