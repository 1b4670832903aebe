// Repository-wide Terraform rules a scanner would enforce, checked on HCL parsed by @cdktf/hcl2json.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** One parsed .tf file: hcl2json turns every block into an array of objects and expressions into "${...}" strings. */
export interface ParsedFile {
  readonly file: string;
  readonly body: Record<string, unknown>;
}

export interface Violation {
  readonly rule: PolicyRule;
  readonly where: string;
  readonly message: string;
}

export type PolicyRule =
  | 'security-group-rule-description'
  | 'no-open-ingress'
  | 'no-inline-security-group-rules'
  | 'log-group-retention'
  | 's3-bucket-hardening'
  | 'variable-description-and-type'
  | 'output-description'
  | 'iam-role-permissions-boundary';

type Block = Record<string, unknown>;

/** Only the ALB may be reached from anywhere, and only on HTTP and HTTPS. */
const PUBLIC_INGRESS_PORTS = new Set([80, 443]);
/** Name of the ALB's aws_security_group resource. */
const PUBLIC_INGRESS_SECURITY_GROUP = 'alb';
const OPEN_CIDRS = new Set(['0.0.0.0/0', '::/0']);
const PUBLIC_ACCESS_BLOCK_FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
const SG_RULE_TYPES = ['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule'];

/** Parses one HCL source; `file` is only used for messages. */
export async function parseHcl(file: string, source: string): Promise<ParsedFile> {
  const body = (await parse(file, source)) as Record<string, unknown>;
  return { file, body };
}

/** Every directory under `root` with .tf files is one module, checked on its own (references are module-local). */
export async function parseModules(root: string): Promise<Map<string, ParsedFile[]>> {
  const modules = new Map<string, ParsedFile[]>();
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() ?? root;
    const files: ParsedFile[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '.terraform') pending.push(full);
      if (entry.isFile() && entry.name.endsWith('.tf')) files.push(await parseHcl(path.relative(root, full), readFileSync(full, 'utf8')));
    }
    if (files.length > 0) modules.set(path.relative(root, dir) || '.', files);
  }
  return modules;
}

function isBlock(value: unknown): value is Block {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** All `kind "type" "name"` instances of a module as [type, name, body, file]. */
function labelledBlocks(files: readonly ParsedFile[], kind: 'resource' | 'data'): [string, string, Block, string][] {
  const found: [string, string, Block, string][] = [];
  for (const { file, body } of files) {
    const byType = body[kind];
    if (!isBlock(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (!isBlock(byName)) continue;
      for (const [name, instances] of Object.entries(byName)) {
        for (const instance of Array.isArray(instances) ? instances : [instances]) {
          if (isBlock(instance)) found.push([type, name, instance, file]);
        }
      }
    }
  }
  return found;
}

/** `variable "x"` / `output "x"` blocks as [name, body, file]. */
function namedBlocks(files: readonly ParsedFile[], kind: 'variable' | 'output'): [string, Block, string][] {
  const found: [string, Block, string][] = [];
  for (const { file, body } of files) {
    const byName = body[kind];
    if (!isBlock(byName)) continue;
    for (const [name, instances] of Object.entries(byName)) {
      for (const instance of Array.isArray(instances) ? instances : [instances]) {
        if (isBlock(instance)) found.push([name, instance, file]);
      }
    }
  }
  return found;
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** True when an expression string refers to `type.name` (not `type.name_longer`). */
function references(expression: unknown, type: string, name: string): boolean {
  if (typeof expression !== 'string') return false;
  const escaped = `${type}.${name}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${escaped}(?![A-Za-z0-9_-])`).test(expression);
}

function cidrsOf(rule: Block): unknown[] {
  const cidrs: unknown[] = [rule.cidr_ipv4, rule.cidr_ipv6];
  for (const key of ['cidr_blocks', 'ipv6_cidr_blocks']) {
    const list = rule[key];
    if (Array.isArray(list)) cidrs.push(...(list as unknown[]));
    else if (list !== undefined) cidrs.push(list);
  }
  return cidrs.filter((cidr) => cidr !== undefined);
}

function checkSecurityGroupRules(files: readonly ParsedFile[], violations: Violation[]): void {
  for (const [type, name, body, file] of labelledBlocks(files, 'resource')) {
    const where = `${file}: ${type}.${name}`;
    if (type === 'aws_security_group') {
      for (const inline of ['ingress', 'egress']) {
        if (body[inline] !== undefined) {
          violations.push({ rule: 'no-inline-security-group-rules', where, message: `inline ${inline} block; use aws_vpc_security_group_${inline}_rule resources` });
        }
      }
    }
    if (!SG_RULE_TYPES.includes(type)) continue;
    if (type === 'aws_security_group_rule') {
      violations.push({ rule: 'no-inline-security-group-rules', where, message: 'aws_security_group_rule is deprecated; use aws_vpc_security_group_ingress_rule/egress_rule' });
    }
    if (!nonEmptyString(body.description)) {
      violations.push({ rule: 'security-group-rule-description', where, message: 'security group rule has no description' });
    }
    const isIngress = type === 'aws_vpc_security_group_ingress_rule' || body.type === 'ingress';
    if (!isIngress) continue;
    for (const cidr of cidrsOf(body)) {
      if (!OPEN_CIDRS.has(String(cidr))) continue;
      const toAlb = references(body.security_group_id, 'aws_security_group', PUBLIC_INGRESS_SECURITY_GROUP);
      const tcp = body.ip_protocol === 'tcp' || body.protocol === 'tcp';
      const port = body.from_port;
      const webPort = typeof port === 'number' && port === body.to_port && PUBLIC_INGRESS_PORTS.has(port);
      if (!(toAlb && tcp && webPort)) {
        violations.push({
          rule: 'no-open-ingress',
          where,
          message: `ingress from ${String(cidr)} is allowed only to aws_security_group.${PUBLIC_INGRESS_SECURITY_GROUP} on tcp 80 or 443`,
        });
      }
    }
  }
}

function checkLogGroups(files: readonly ParsedFile[], violations: Violation[]): void {
  for (const [type, name, body, file] of labelledBlocks(files, 'resource')) {
    if (type !== 'aws_cloudwatch_log_group') continue;
    const retention = body.retention_in_days;
    if (retention === undefined || retention === 0) {
      violations.push({ rule: 'log-group-retention', where: `${file}: ${type}.${name}`, message: 'log group keeps logs forever: set retention_in_days' });
    }
  }
}

function checkS3Buckets(files: readonly ParsedFile[], violations: Violation[]): void {
  const resources = labelledBlocks(files, 'resource');
  const companions = (companionType: string, bucketName: string): Block[] =>
    resources
      .filter(([type, , body]) => type === companionType && references(body.bucket, 'aws_s3_bucket', bucketName))
      .map(([, , body]) => body);

  for (const [type, name, , file] of resources) {
    if (type !== 'aws_s3_bucket') continue;
    const where = `${file}: ${type}.${name}`;
    const versioned = companions('aws_s3_bucket_versioning', name).some((body) => {
      const configuration = body.versioning_configuration;
      return Array.isArray(configuration) && configuration.some((entry) => isBlock(entry) && entry.status === 'Enabled');
    });
    if (!versioned) violations.push({ rule: 's3-bucket-hardening', where, message: 'no aws_s3_bucket_versioning with status "Enabled"' });

    if (companions('aws_s3_bucket_server_side_encryption_configuration', name).length === 0) {
      violations.push({ rule: 's3-bucket-hardening', where, message: 'no aws_s3_bucket_server_side_encryption_configuration' });
    }

    const blocked = companions('aws_s3_bucket_public_access_block', name).some((body) => PUBLIC_ACCESS_BLOCK_FLAGS.every((flag) => body[flag] === true));
    if (!blocked) {
      violations.push({ rule: 's3-bucket-hardening', where, message: `no aws_s3_bucket_public_access_block with ${PUBLIC_ACCESS_BLOCK_FLAGS.join(', ')} all true` });
    }
  }
}

function checkVariablesAndOutputs(files: readonly ParsedFile[], violations: Violation[]): void {
  for (const [name, body, file] of namedBlocks(files, 'variable')) {
    if (!nonEmptyString(body.description) || body.type === undefined) {
      violations.push({ rule: 'variable-description-and-type', where: `${file}: variable.${name}`, message: 'variable needs both a description and a type' });
    }
  }
  for (const [name, body, file] of namedBlocks(files, 'output')) {
    if (!nonEmptyString(body.description)) {
      violations.push({ rule: 'output-description', where: `${file}: output.${name}`, message: 'output has no description' });
    }
  }
}

/**
 * A module that takes a variable of this name must resolve it into a local of the same name (the variable, or the
 * bootstrap's boundary by name), and every role sets that local.
 */
const BOUNDARY_NAME = 'permissions_boundary_arn';

/** In a module that takes the boundary, every role carries it: the CI apply role can create no other. */
function checkRoleBoundaries(files: readonly ParsedFile[], violations: Violation[]): void {
  const takesBoundary = namedBlocks(files, 'variable').some(([name]) => name === BOUNDARY_NAME);
  if (!takesBoundary) return;
  for (const [type, name, body, file] of labelledBlocks(files, 'resource')) {
    if (type !== 'aws_iam_role') continue;
    if (body.permissions_boundary !== `\${local.${BOUNDARY_NAME}}`) {
      violations.push({
        rule: 'iam-role-permissions-boundary',
        where: `${file}: ${type}.${name}`,
        message: `role does not set permissions_boundary = local.${BOUNDARY_NAME}`,
      });
    }
  }
}

/** All rule violations of one module (the .tf files of one directory). */
export function checkModule(files: readonly ParsedFile[]): Violation[] {
  const violations: Violation[] = [];
  checkSecurityGroupRules(files, violations);
  checkLogGroups(files, violations);
  checkS3Buckets(files, violations);
  checkVariablesAndOutputs(files, violations);
  checkRoleBoundaries(files, violations);
  return violations;
}
