// Reads `terraform show -json <plan>` into a summary: action counts, changed addresses, destructive ones, drift, outputs.
// Format reference: https://developer.hashicorp.com/terraform/internals/json-format ("Plan Representation").
import { ExitError } from './errors.ts';
import { isVersionedByReplacement } from './versioned-resources.ts';

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'no-op' | 'read' | 'forget';
export const ACTIONS: readonly Action[] = ['create', 'update', 'replace', 'delete', 'read', 'forget', 'no-op'];

/** The plan JSON's major version this reader understands; minor bumps only add fields (the format's own promise). */
const SUPPORTED_FORMAT_MAJOR = 1;
/** Nested attribute paths deeper than this are reported at this depth (a changed policy document is one line). */
const MAX_ATTRIBUTE_DEPTH = 3;

/** An attribute inside a resource: names, and indexes into lists (["load_balancer", 0, "container_port"]). */
export type AttributePath = readonly (string | number)[];

export interface ResourceChangeSummary {
  readonly address: string;
  /** The resource type, e.g. "aws_ecs_task_definition". */
  readonly type: string;
  readonly action: Action;
  /** Terraform's action_reason, e.g. "replace_because_cannot_update", "delete_because_no_resource_config". */
  readonly reason?: string;
  /** Attributes that force replacement (change.replace_paths), as dotted paths. */
  readonly replacePaths: readonly string[];
  /** A replace of a type in VERSIONED_BY_REPLACEMENT: a new revision is registered, nothing is lost. */
  readonly newRevision: boolean;
  readonly destructive: boolean;
}

export interface DriftSummary {
  readonly address: string;
  readonly type: string;
  /** The resource's name in the configuration (`this` in aws_ecs_service.this). */
  readonly name: string;
  /** Set for resources inside a module (e.g. "module.network"); undefined in the root module. */
  readonly moduleAddress?: string;
  readonly action: Action;
  /** Attributes whose value changed (paths only: values may be secrets, and the summary lands in CI logs). */
  readonly changedAttributes: readonly AttributePath[];
}

/** Attributes a refresh rewrote without changing their value (see sameValue), listed so the report can say why. */
export interface NormalisedDrift {
  readonly address: string;
  readonly attributes: readonly AttributePath[];
}

export interface OutputChangeSummary {
  readonly name: string;
  readonly action: Action;
}

export interface PlanSummary {
  readonly terraformVersion: string;
  readonly counts: Readonly<Record<Action, number>>;
  /** Every resource change except no-ops, in Terraform's order. */
  readonly changes: readonly ResourceChangeSummary[];
  readonly destructive: readonly ResourceChangeSummary[];
  /** Replacements that register a new revision (routine, not destructive). */
  readonly newRevisions: readonly ResourceChangeSummary[];
  /** Resources changed outside Terraform, with the attributes whose value changed; normalisation alone is not here. */
  readonly drift: readonly DriftSummary[];
  readonly normalised: readonly NormalisedDrift[];
  readonly outputChanges: readonly OutputChangeSummary[];
  /** Root variable values as planned (e.g. image_tag), for callers that need what the plan fixed. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly hasChanges: boolean;
}

interface RawChange {
  readonly actions?: unknown;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly replace_paths?: unknown;
}

interface RawResourceChange {
  readonly address?: unknown;
  readonly type?: unknown;
  readonly name?: unknown;
  readonly module_address?: unknown;
  readonly change?: RawChange;
  readonly action_reason?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Maps Terraform's action list to one action: ["delete","create"] and ["create","delete"] are both a replace. */
export function classifyActions(actions: unknown): Action {
  if (!Array.isArray(actions)) throw new ExitError(1, 'plan JSON: a change has no "actions" list');
  const joined = actions.join(',');
  switch (joined) {
    case 'create':
    case 'update':
    case 'delete':
    case 'read':
    case 'forget':
    case 'no-op':
      return joined;
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    default:
      throw new ExitError(1, `plan JSON: unknown action list [${joined}]; this reader may need updating for a newer Terraform`);
  }
}

/** "load_balancer[0].container_port": names joined with dots, list indexes in brackets. */
export function formatPath(path: AttributePath): string {
  let text = '';
  for (const step of path) text += typeof step === 'number' ? `[${step}]` : text === '' ? step : `.${step}`;
  return text === '' ? '(whole object)' : text;
}

/** null, "", [] and {}: what an unset attribute reads back as, depending on the provider and the API. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

/** The value of a string holding a JSON object or array (a policy, container definitions), else undefined. */
function parsedJson(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Same value, though perhaps written differently: an unset value read back as empty (null vs {} for tags), or a JSON
 * document with other key order or spacing. Terraform's own renderer treats both as no change; a refresh that only
 * does this is not drift.
 */
export function sameValue(before: unknown, after: unknown): boolean {
  if (before === after || (isEmpty(before) && isEmpty(after))) return true;
  if (typeof before === 'string' && typeof after === 'string') {
    const beforeJson = parsedJson(before);
    const afterJson = parsedJson(after);
    return beforeJson !== undefined && afterJson !== undefined && sameValue(beforeJson, afterJson);
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return false;
    for (let index = 0; index < before.length; index++) {
      if (!sameValue(before[index], after[index])) return false;
    }
    return true;
  }
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!sameValue(before[key], after[key])) return false;
    }
    return true;
  }
  return false;
}

const identical = (before: unknown, after: unknown): boolean => JSON.stringify(before) === JSON.stringify(after);

/**
 * Paths whose values differ between before and after by `equal` (default: sameValue), at most MAX_ATTRIBUTE_DEPTH
 * deep; a path at the cut-off stands for everything below it.
 */
export function changedPaths(before: unknown, after: unknown, equal: (a: unknown, b: unknown) => boolean = sameValue, prefix: AttributePath = []): AttributePath[] {
  if (equal(before, after)) return [];
  const bothObjects = isRecord(before) && isRecord(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (prefix.length >= MAX_ATTRIBUTE_DEPTH || (!bothObjects && !bothArrays)) return [prefix];

  const paths: AttributePath[] = [];
  if (bothArrays) {
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index++) paths.push(...changedPaths(before[index], after[index], equal, [...prefix, index]));
    return paths;
  }
  const beforeRecord = before as Record<string, unknown>;
  const afterRecord = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(beforeRecord), ...Object.keys(afterRecord)])].sort();
  for (const key of keys) paths.push(...changedPaths(beforeRecord[key], afterRecord[key], equal, [...prefix, key]));
  return paths;
}

/** True when one path lies inside the other (or they are the same). */
export function overlaps(a: AttributePath, b: AttributePath): boolean {
  const shorter = Math.min(a.length, b.length);
  for (let index = 0; index < shorter; index++) {
    if (a[index] !== b[index]) return false;
  }
  return true;
}

function formatReplacePaths(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const paths: string[] = [];
  for (const path of raw) {
    if (Array.isArray(path)) paths.push(formatPath(path.map((step) => (typeof step === 'number' ? step : String(step)))));
  }
  return paths;
}

function checkFormatVersion(plan: Record<string, unknown>): void {
  const version = plan.format_version;
  if (typeof version !== 'string') throw new ExitError(1, 'plan JSON has no format_version: is this `terraform show -json <planfile>` output?');
  const major = Number(version.split('.')[0]);
  if (major !== SUPPORTED_FORMAT_MAJOR) {
    throw new ExitError(
      1,
      `plan JSON format_version ${version} is not supported (this reader understands ${SUPPORTED_FORMAT_MAJOR}.x); update scripts/lib/plan-reader.ts for the new format`,
    );
  }
}

function readAddress(raw: RawResourceChange): string {
  if (typeof raw.address !== 'string') throw new ExitError(1, 'plan JSON: a resource change has no address');
  return raw.address;
}

function readString(raw: RawResourceChange, key: 'type' | 'name'): string {
  const value = raw[key];
  if (typeof value !== 'string') throw new ExitError(1, `plan JSON: resource ${readAddress(raw)} has no ${key}`);
  return value;
}

export function readPlan(json: unknown): PlanSummary {
  if (!isRecord(json)) throw new ExitError(1, 'plan JSON is not an object');
  checkFormatVersion(json);

  const counts: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, read: 0, forget: 0, 'no-op': 0 };
  const changes: ResourceChangeSummary[] = [];
  const rawChanges = Array.isArray(json.resource_changes) ? (json.resource_changes as RawResourceChange[]) : [];
  for (const raw of rawChanges) {
    const action = classifyActions(raw.change?.actions);
    counts[action] += 1;
    if (action === 'no-op') continue;
    const reason = typeof raw.action_reason === 'string' ? raw.action_reason : undefined;
    const type = readString(raw, 'type');
    const newRevision = action === 'replace' && isVersionedByReplacement(type);
    changes.push({
      address: readAddress(raw),
      type,
      action,
      ...(reason === undefined ? {} : { reason }),
      replacePaths: formatReplacePaths(raw.change?.replace_paths),
      newRevision,
      destructive: (action === 'delete' || action === 'replace') && !newRevision,
    });
  }

  const drift: DriftSummary[] = [];
  const normalised: NormalisedDrift[] = [];
  const rawDrift = Array.isArray(json.resource_drift) ? (json.resource_drift as RawResourceChange[]) : [];
  for (const raw of rawDrift) {
    const action = classifyActions(raw.change?.actions);
    if (action === 'no-op') continue;
    const address = readAddress(raw);
    const { before, after } = raw.change ?? {};
    const changedAttributes = changedPaths(before, after);
    const rewritten = changedPaths(before, after, identical).filter((path) => !changedAttributes.some((changed) => overlaps(path, changed)));
    if (rewritten.length > 0) normalised.push({ address, attributes: rewritten });
    // A deleted resource is drift however its attributes compare; an update is drift only if a value changed.
    if (action !== 'update' || changedAttributes.length > 0) {
      const moduleAddress = typeof raw.module_address === 'string' ? raw.module_address : undefined;
      drift.push({ address, type: readString(raw, 'type'), name: readString(raw, 'name'), ...(moduleAddress === undefined ? {} : { moduleAddress }), action, changedAttributes });
    }
  }

  const outputChanges: OutputChangeSummary[] = [];
  const rawOutputs = isRecord(json.output_changes) ? json.output_changes : {};
  for (const [name, raw] of Object.entries(rawOutputs)) {
    const action = classifyActions(isRecord(raw) ? raw.actions : undefined);
    if (action !== 'no-op') outputChanges.push({ name, action });
  }

  const variables: Record<string, unknown> = {};
  const rawVariables = isRecord(json.variables) ? json.variables : {};
  for (const [name, raw] of Object.entries(rawVariables)) variables[name] = isRecord(raw) ? raw.value : undefined;

  return {
    terraformVersion: typeof json.terraform_version === 'string' ? json.terraform_version : 'unknown',
    counts,
    changes,
    destructive: changes.filter((change) => change.destructive),
    newRevisions: changes.filter((change) => change.newRevision),
    drift,
    normalised,
    outputChanges,
    variables,
    hasChanges: changes.length > 0 || outputChanges.length > 0,
  };
}
