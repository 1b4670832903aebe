// Inline Checkov suppressions in the Terraform: where each one is, whether it is well formed, and whether Checkov used it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One `#checkov:skip=ID:reason` comment and the top-level block it sits in. */
export interface CheckovSkip {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly id: string | undefined;
  readonly reason: string | undefined;
  /** `resource "type" "name"` (or another top-level block) containing the comment; undefined outside any block. */
  readonly block: string | undefined;
}

/** Checkov's AWS Terraform check IDs: CKV_AWS_<n> (resource checks) and CKV2_AWS_<n> (graph checks). */
const CHECK_ID = /^CKV2?_AWS_\d+$/;
const SKIP_COMMENT = /^\s*#\s*checkov:skip=([^:]*)(?::(.*))?$/;
const BLOCK_START = /^(\w+)((?:\s+"[^"]*")*)\s*\{\s*$/;
/** Enough to say what is accepted and why, and to point at a source where it is a trade-off. */
export const MIN_REASON_LENGTH = 40;

/** Every skip comment in `source`, with the top-level block each is in (blocks close with `}` at column 0, as fmt writes). */
export function findSkips(file: string, source: string): CheckovSkip[] {
  const skips: CheckovSkip[] = [];
  let block: string | undefined;
  source.split('\n').forEach((text, index) => {
    const start = BLOCK_START.exec(text);
    if (start !== null) block = `${start[1] ?? ''}${start[2] ?? ''}`;
    else if (text === '}') block = undefined;
    if (!text.includes('checkov:skip=')) return;
    const match = SKIP_COMMENT.exec(text);
    skips.push({ file, line: index + 1, text: text.trim(), id: match?.[1], reason: match?.[2]?.trim(), block: start === null ? block : undefined });
  });
  return skips;
}

/** The skips of every .tf file under `root` (file names relative to it). */
export function findSkipsUnder(root: string): CheckovSkip[] {
  const skips: CheckovSkip[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() ?? root;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '.terraform') pending.push(full);
      if (entry.isFile() && entry.name.endsWith('.tf')) skips.push(...findSkips(path.relative(root, full), readFileSync(full, 'utf8')));
    }
  }
  return skips;
}

/** What is wrong with one skip, or nothing. */
export function skipProblems(skip: CheckovSkip, siblings: readonly CheckovSkip[]): string[] {
  const where = `${skip.file}:${String(skip.line)}`;
  const problems: string[] = [];
  if (skip.id === undefined || !CHECK_ID.test(skip.id)) {
    problems.push(`${where}: "${skip.text}" must be #checkov:skip=<one CKV_AWS_n or CKV2_AWS_n ID>:<reason>`);
  }
  if (skip.reason === undefined || skip.reason.length < MIN_REASON_LENGTH) {
    problems.push(`${where}: the reason after the ID must say why in at least ${String(MIN_REASON_LENGTH)} characters`);
  }
  // Checkov finds a block's end by counting braces on every line, comments included (context_parsers/base_parser.py).
  if (skip.reason !== undefined && /[{}]/.test(skip.reason)) {
    problems.push(`${where}: the reason must not contain { or }, which would end the block early for Checkov`);
  }
  if (skip.block === undefined || !skip.block.startsWith('resource ')) {
    problems.push(`${where}: the skip must be inside a resource block (Checkov applies it to the block it is in)`);
  }
  const duplicates = siblings.filter((other) => other.block === skip.block && other.file === skip.file && other.id === skip.id);
  if (skip.block !== undefined && duplicates.length > 1 && duplicates[0] !== skip) {
    problems.push(`${where}: ${String(skip.id)} is already skipped in ${skip.block}`);
  }
  return problems;
}

interface CheckovRecord {
  readonly check_id: string;
  readonly file_path: string;
  readonly resource: string;
  readonly file_line_range: readonly [number, number];
}

interface CheckovResults {
  readonly results?: { readonly failed_checks?: CheckovRecord[]; readonly skipped_checks?: CheckovRecord[] };
}

/** Checkov's JSON report is one object per framework, or a list of them when several ran. */
function reports(report: unknown): CheckovResults[] {
  return Array.isArray(report) ? (report as CheckovResults[]) : [report as CheckovResults];
}

/** Findings that failed and were not skipped, as "ID resource (file)". */
export function failedChecks(report: unknown): string[] {
  return reports(report).flatMap((one) => (one.results?.failed_checks ?? []).map((record) => `${record.check_id} ${record.resource} (${record.file_path})`));
}

/** Checkov's file_path is relative to the scanned directory, with a leading slash. */
function reportedFile(filePath: string, file: string): boolean {
  const reported = filePath.replace(/^\/+/, '');
  return reported === file || reported.endsWith(`/${file}`);
}

/** Skips that Checkov did not report as skipped for the block they are in: an ID it does not know, or one that does not apply there. */
export function skipsNotApplied(skips: readonly CheckovSkip[], report: unknown): CheckovSkip[] {
  const skipped = reports(report).flatMap((one) => one.results?.skipped_checks ?? []);
  return skips.filter(
    (skip) =>
      !skipped.some(
        (record) =>
          record.check_id === skip.id &&
          reportedFile(record.file_path, skip.file) &&
          record.file_line_range[0] < skip.line &&
          skip.line < record.file_line_range[1],
      ),
  );
}
