// Repository-wide Terraform policy: every .tf in terraform/ passes the scanner-style rules, and each rule can fail.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkModule, parseHcl, parseModules, type PolicyRule, type Violation } from './helpers/terraform-policy.ts';
import { TERRAFORM_DIR } from './helpers/terraform.ts';

function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.rule} — ${v.where}: ${v.message}`).join('\n');
}

async function violationsOf(source: string): Promise<Violation[]> {
  return checkModule([await parseHcl('fixture.tf', source)]);
}

/** A module that satisfies every rule; each bad fixture below breaks exactly one. */
const GOOD = `
variable "name" {
  description = "Name prefix."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "Boundary of every role."
  type        = string
}

locals {
  permissions_boundary_arn = var.permissions_boundary_arn
}

resource "aws_iam_role" "task" {
  name                 = var.name
  assume_role_policy   = "{}"
  permissions_boundary = local.permissions_boundary_arn
}

output "bucket" {
  description = "Bucket name."
  value       = aws_s3_bucket.logs.id
}

resource "aws_security_group" "alb" {
  name   = var.name
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv6         = "::/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_out" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the tasks"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/app"
  retention_in_days = 30
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`;

/** [what is wrong, the rule that must fire, text to replace in GOOD, replacement]. */
const BAD_FIXTURES: [string, PolicyRule, string, string][] = [
  ['a security group rule without a description', 'security-group-rule-description', '  description       = "HTTPS from anywhere"\n', ''],
  ['ingress from 0.0.0.0/0 on SSH', 'no-open-ingress', 'from_port         = 443\n  to_port           = 443\n  cidr_ipv6         = "::/0"', 'from_port         = 22\n  to_port           = 22\n  cidr_ipv4         = "0.0.0.0/0"'],
  ['ingress from ::/0 to a non-ALB security group', 'no-open-ingress', 'security_group_id = aws_security_group.alb.id\n  description       = "HTTPS', 'security_group_id = aws_security_group.alb_tasks.id\n  description       = "HTTPS'],
  ['ingress from anywhere on a port range covering 443', 'no-open-ingress', 'from_port         = 443', 'from_port         = 0'],
  ['an inline ingress block', 'no-inline-security-group-rules', '  vpc_id = "vpc-0123456789abcdef0"\n', '  vpc_id = "vpc-0123456789abcdef0"\n  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n    cidr_blocks = ["10.0.0.0/8"]\n  }\n'],
  ['a log group without retention', 'log-group-retention', '  retention_in_days = 30\n', ''],
  ['a log group that never expires', 'log-group-retention', 'retention_in_days = 30', 'retention_in_days = 0'],
  ['a bucket without versioning', 's3-bucket-hardening', 'status = "Enabled"', 'status = "Suspended"'],
  ['a bucket without encryption', 's3-bucket-hardening', 'resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {\n  bucket = aws_s3_bucket.logs.id', 'resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {\n  bucket = aws_s3_bucket.logs_other.id'],
  ['a bucket with one public-access flag off', 's3-bucket-hardening', 'restrict_public_buckets = true', 'restrict_public_buckets = false'],
  ['a variable without a type', 'variable-description-and-type', '  type        = string\n', ''],
  ['a variable without a description', 'variable-description-and-type', '  description = "Name prefix."\n', ''],
  ['an output without a description', 'output-description', '  description = "Bucket name."\n', ''],
  ['a role without the permissions boundary', 'iam-role-permissions-boundary', '  permissions_boundary = local.permissions_boundary_arn\n', ''],
  ['a role with some other boundary', 'iam-role-permissions-boundary', 'permissions_boundary = local.permissions_boundary_arn', 'permissions_boundary = "arn:aws:iam::aws:policy/AdministratorAccess"'],
];

describe('terraform policy', () => {
  test('every module under terraform/ follows every rule', async () => {
    const modules = await parseModules(TERRAFORM_DIR);
    assert.ok(modules.has('.') && modules.has('bootstrap'), `expected the main and bootstrap roots, found: ${[...modules.keys()].join(', ')}`);
    const violations: Violation[] = [];
    for (const [dir, files] of modules) {
      for (const violation of checkModule(files)) violations.push({ ...violation, where: path.join(dir, violation.where) });
    }
    assert.equal(violations.length, 0, describeViolations(violations));
  });

  test('the main root really contains what the rules inspect (so a pass is meaningful)', async () => {
    const files = (await parseModules(TERRAFORM_DIR)).get('.') ?? [];
    const types = new Set<string>();
    for (const { body } of files) {
      const resources = body.resource;
      if (typeof resources === 'object' && resources !== null) for (const type of Object.keys(resources)) types.add(type);
    }
    for (const expected of ['aws_vpc_security_group_ingress_rule', 'aws_cloudwatch_log_group', 'aws_s3_bucket', 'aws_security_group', 'aws_iam_role']) {
      assert.ok(types.has(expected), `no ${expected} in terraform/`);
    }
    const takesBoundary = files.some(({ body }) => typeof body.variable === 'object' && body.variable !== null && 'permissions_boundary_arn' in body.variable);
    assert.ok(takesBoundary, 'terraform/ declares no permissions_boundary_arn variable, so no role is checked for the boundary');
  });

  test('the good fixture passes', async () => {
    const violations = await violationsOf(GOOD);
    assert.equal(violations.length, 0, describeViolations(violations));
  });

  for (const [what, rule, search, replacement] of BAD_FIXTURES) {
    test(`rule ${rule} catches ${what}`, async () => {
      assert.ok(GOOD.includes(search), `fixture text not found: ${search}`);
      const violations = await violationsOf(GOOD.replace(search, replacement));
      assert.ok(violations.length > 0, `expected a ${rule} violation, got none`);
      assert.deepEqual([...new Set(violations.map((v) => v.rule))], [rule], describeViolations(violations));
    });
  }
});
