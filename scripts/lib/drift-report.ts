// Splits a refresh-only plan's drift into real drift and what is not drift (ignore_changes, normalised values), with why.
import { formatPath, overlaps, type AttributePath, type DriftSummary, type OutputChangeSummary, type PlanSummary } from './plan-reader.ts';
import type { IgnoreChanges } from './terraform-config.ts';

/** One changed attribute that is not drift, and the reason. */
export interface NotDrift {
  readonly address: string;
  readonly attribute: string;
  readonly reason: string;
}

export interface DriftReport {
  /** Resources changed outside Terraform, with only the attributes that count. */
  readonly drift: readonly DriftSummary[];
  readonly notDrift: readonly NotDrift[];
  /** Root outputs a refresh would change: the world the configuration reads from moved. */
  readonly outputChanges: readonly OutputChangeSummary[];
}

const NORMALISED_REASON = 'same value written differently by the refresh (unset read back as empty, or reformatted JSON)';

function ignoreReason(rule: IgnoreChanges): string {
  return `lifecycle ignore_changes${rule.ignored === 'all' ? ' = all' : ''} of ${rule.resource} (${rule.file})`;
}

function ignoredBy(rule: IgnoreChanges | undefined, attribute: AttributePath): boolean {
  if (rule === undefined) return false;
  if (rule.ignored === 'all') return true;
  // An ignored path covers everything below it; a change reported above an ignored path may hold more than it.
  return rule.ignored.some((ignored) => ignored.length <= attribute.length && overlaps(ignored, attribute));
}

/**
 * Drops from the drift what the configuration told Terraform to ignore (hashicorp/terraform#28803: a refresh-only
 * plan reports it anyway) and what the refresh only normalised. A resource deleted outside Terraform is always drift:
 * ignore_changes covers attributes, not the object's existence.
 */
export function buildDriftReport(summary: PlanSummary, ignoreRules: ReadonlyMap<string, IgnoreChanges>): DriftReport {
  const drift: DriftSummary[] = [];
  const notDrift: NotDrift[] = [];
  for (const item of summary.drift) {
    // The configuration read here is the root module's; resources in child modules keep all their changes.
    const rule = item.moduleAddress === undefined ? ignoreRules.get(`${item.type}.${item.name}`) : undefined;
    if (item.action !== 'update' || rule === undefined) {
      drift.push(item);
      continue;
    }
    const remaining: AttributePath[] = [];
    for (const attribute of item.changedAttributes) {
      if (ignoredBy(rule, attribute)) notDrift.push({ address: item.address, attribute: formatPath(attribute), reason: ignoreReason(rule) });
      else remaining.push(attribute);
    }
    if (remaining.length > 0) drift.push({ ...item, changedAttributes: remaining });
  }
  for (const item of summary.normalised) {
    for (const attribute of item.attributes) notDrift.push({ address: item.address, attribute: formatPath(attribute), reason: NORMALISED_REASON });
  }
  return { drift, notDrift, outputChanges: summary.outputChanges };
}

/** Exit 2 territory: something real changed outside Terraform. */
export function hasDrift(report: DriftReport): boolean {
  return report.drift.length > 0 || report.outputChanges.length > 0;
}
