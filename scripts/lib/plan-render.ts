// Renders a PlanSummary as a terminal table (colour only when asked) or as Markdown for a GitHub job summary.
import type { DriftReport, NotDrift } from './drift-report.ts';
import { formatPath, type Action, type DriftSummary, type OutputChangeSummary, type PlanSummary, type ResourceChangeSummary } from './plan-reader.ts';
import { VERSIONED_BY_REPLACEMENT } from './versioned-resources.ts';

export type Format = 'text' | 'markdown';
export const FORMATS: readonly Format[] = ['text', 'markdown'];

/** GitHub caps a job summary at 1 MiB; a few hundred rows is plenty to read and far below it. */
const MAX_MARKDOWN_ROWS = 250;

const SYMBOLS: Readonly<Record<Action, string>> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  read: '<=',
  forget: '.',
  'no-op': ' ',
};

/** SGR codes: green create, yellow update, red delete/replace, cyan read. */
const COLOURS: Readonly<Record<Action, number>> = { create: 32, update: 33, replace: 31, delete: 31, read: 36, forget: 35, 'no-op': 0 };

/** Colour on a terminal only, and never when NO_COLOR is set to anything non-empty (https://no-color.org). */
export function shouldColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}

/** What the ACTION column says: a routine replacement is a new revision, not a replace. */
const NEW_REVISION = 'new revision';

/** "2 to add, 1 to change, 1 to replace, 1 to destroy", Terraform's own wording, plus "1 new revision" when there is one. */
export function headline(summary: PlanSummary): string {
  const { counts } = summary;
  if (!summary.hasChanges) return 'No changes. Infrastructure matches the configuration.';
  const replaced = counts.replace - summary.newRevisions.length;
  const parts = [`${counts.create} to add`, `${counts.update} to change`, `${replaced} to replace`, `${counts.delete} to destroy`];
  if (summary.newRevisions.length > 0) parts.push(`${summary.newRevisions.length} new revision(s)`);
  if (counts.read > 0) parts.push(`${counts.read} to read`);
  if (counts.forget > 0) parts.push(`${counts.forget} to forget`);
  if (summary.outputChanges.length > 0) parts.push(`${summary.outputChanges.length} output(s) changing`);
  return `Plan: ${parts.join(', ')}.`;
}

function reasonText(change: ResourceChangeSummary): string {
  const parts: string[] = [];
  if (change.reason !== undefined) parts.push(change.reason);
  if (change.replacePaths.length > 0) parts.push(`forced by ${change.replacePaths.join(', ')}`);
  return parts.join('; ');
}

function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ').trimEnd());
}

function paint(text: string, action: Action, colour: boolean): string {
  return colour && COLOURS[action] !== 0 ? `\u001b[${COLOURS[action]}m${text}\u001b[0m` : text;
}

function actionLabel(change: ResourceChangeSummary): string {
  return change.newRevision ? NEW_REVISION : change.action;
}

/** New revisions are painted like creates: nothing goes away. */
function colourAction(change: ResourceChangeSummary): Action {
  return change.newRevision ? 'create' : change.action;
}

/** One line per new revision: the address and why its replacement is routine (from VERSIONED_BY_REPLACEMENT). */
function revisionNotes(summary: PlanSummary): string[] {
  return summary.newRevisions.map((change) => `${change.address}: ${VERSIONED_BY_REPLACEMENT.get(change.type) ?? ''}`);
}

function driftLines(drift: readonly DriftSummary[]): string[] {
  const lines: string[] = [];
  for (const item of drift) {
    lines.push(`  ${SYMBOLS[item.action]} ${item.address} (${item.action === 'delete' ? 'deleted outside Terraform' : item.action})`);
    for (const attribute of item.changedAttributes) lines.push(`      ${formatPath(attribute)}`);
  }
  return lines;
}

function outputLines(outputs: readonly OutputChangeSummary[]): string[] {
  return outputs.map((output) => `  ${SYMBOLS[output.action]} ${output.name} (${output.action})`);
}

export function renderText(summary: PlanSummary, options: { colour: boolean }): string {
  const lines: string[] = [headline(summary)];
  if (summary.changes.length > 0) {
    const rows = [['ACTION', 'ADDRESS', 'REASON'], ...summary.changes.map((change) => [actionLabel(change), change.address, reasonText(change)])];
    const rendered = table(rows);
    lines.push('', rendered[0] ?? '');
    summary.changes.forEach((change, index) => lines.push(paint(rendered[index + 1] ?? '', colourAction(change), options.colour)));
  }
  if (summary.newRevisions.length > 0) {
    lines.push('', `${summary.newRevisions.length} new revision(s), routine (no --allow-destroy needed):`, ...revisionNotes(summary).map((note) => `  ${note}`));
  }
  if (summary.destructive.length > 0) {
    lines.push('', paint(`${summary.destructive.length} destructive change(s): ${summary.destructive.map((c) => c.address).join(', ')}`, 'delete', options.colour));
  }
  if (summary.drift.length > 0) {
    lines.push('', `Changed outside Terraform (${summary.drift.length}):`, ...driftLines(summary.drift));
  }
  if (summary.outputChanges.length > 0) {
    lines.push('', 'Output changes:', ...outputLines(summary.outputChanges));
  }
  return `${lines.join('\n')}\n`;
}

/** Pipes end a Markdown table cell and backticks end a code span; neither belongs in an address anyway. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('`', "'");
}

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const row of rows.slice(0, MAX_MARKDOWN_ROWS)) lines.push(`| ${row.join(' | ')} |`);
  if (rows.length > MAX_MARKDOWN_ROWS) lines.push('', `_${rows.length - MAX_MARKDOWN_ROWS} more rows not shown; see the job log._`);
  return lines;
}

export function renderMarkdown(summary: PlanSummary, title = 'Terraform plan'): string {
  const lines: string[] = [`### ${title}`, '', `**${headline(summary)}**`];
  if (summary.destructive.length > 0) {
    lines.push('', '> [!WARNING]', `> ${summary.destructive.length} destructive change(s): deploy stops unless run with \`--allow-destroy\`.`);
  }
  if (summary.newRevisions.length > 0) {
    lines.push('', '> [!NOTE]', `> ${summary.newRevisions.length} new revision(s), routine (no \`--allow-destroy\` needed):`);
    for (const note of revisionNotes(summary)) lines.push(`> - ${cell(note)}`);
  }
  if (summary.changes.length > 0) {
    const rows = summary.changes.map((change) => [`\`${SYMBOLS[change.action]}\` ${actionLabel(change)}`, `\`${cell(change.address)}\``, cell(reasonText(change))]);
    lines.push('', ...markdownTable(['Action', 'Address', 'Reason'], rows));
  }
  if (summary.drift.length > 0) {
    lines.push('', `#### Changed outside Terraform (${summary.drift.length})`, '', ...driftTable(summary.drift));
  }
  if (summary.outputChanges.length > 0) {
    const rows = summary.outputChanges.map((output) => [output.action, `\`${cell(output.name)}\``]);
    lines.push('', '#### Output changes', '', ...markdownTable(['Action', 'Output'], rows));
  }
  lines.push('', `<sub>Terraform ${cell(summary.terraformVersion)}</sub>`);
  return `${lines.join('\n')}\n`;
}

function driftTable(drift: readonly DriftSummary[]): string[] {
  const rows = drift.map((item) => [item.action, `\`${cell(item.address)}\``, item.changedAttributes.map((a) => `\`${cell(formatPath(a))}\``).join(', ')]);
  return markdownTable(['Action', 'Address', 'Changed attributes'], rows);
}

function notDriftLines(notDrift: readonly NotDrift[]): string[] {
  return notDrift.map((item) => `  ${item.address} ${item.attribute}: ${item.reason}`);
}

/** The drift report: refresh-only plans have no resource_changes, only resource_drift and output changes. */
export function renderDriftText(report: DriftReport): string {
  const lines: string[] = [];
  if (report.drift.length === 0 && report.outputChanges.length === 0) lines.push('No drift: the real infrastructure matches the Terraform state.');
  if (report.drift.length > 0) lines.push(`Drift: ${report.drift.length} resource(s) changed outside Terraform:`, ...driftLines(report.drift));
  if (report.outputChanges.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('Outputs that would change on refresh:', ...outputLines(report.outputChanges));
  }
  if (report.notDrift.length > 0) lines.push('', `Not drift (${report.notDrift.length} changed attribute(s) that do not count):`, ...notDriftLines(report.notDrift));
  return `${lines.join('\n')}\n`;
}

export function renderDriftMarkdown(report: DriftReport): string {
  const lines = ['### Terraform drift', ''];
  if (report.drift.length === 0 && report.outputChanges.length === 0) {
    lines.push('**No drift:** the real infrastructure matches the Terraform state.');
  }
  if (report.drift.length > 0) {
    lines.push(`**${report.drift.length} resource(s) changed outside Terraform.**`, '', ...driftTable(report.drift));
  }
  if (report.outputChanges.length > 0) {
    const rows = report.outputChanges.map((output) => [output.action, `\`${cell(output.name)}\``]);
    lines.push('', '#### Outputs that would change on refresh', '', ...markdownTable(['Action', 'Output'], rows));
  }
  if (report.notDrift.length > 0) {
    const rows = report.notDrift.map((item) => [`\`${cell(item.address)}\``, `\`${cell(item.attribute)}\``, cell(item.reason)]);
    lines.push('', `#### Not drift (${report.notDrift.length})`, '', ...markdownTable(['Address', 'Attribute', 'Why it does not count'], rows));
  }
  if (report.drift.length > 0 || report.outputChanges.length > 0) {
    lines.push('', 'Bring the state back in line: revert the manual change, or `terraform apply -refresh-only` to accept it, then update the code.');
  }
  return `${lines.join('\n')}\n`;
}
