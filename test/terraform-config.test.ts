// Terraform expressions evaluated without Terraform (hcl2json's parser, our evaluator), checked against real `terraform console`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { Unknown, type Value } from '../scripts/lib/hcl-functions.ts';
import { TerraformConfig, type Overrides } from '../scripts/lib/terraform-config.ts';
import { copyTerraformTree, findPluginDir, missingPrerequisites, runTerraform, TERRAFORM_DIR } from './helpers/terraform.ts';

/** A root made of one main.tf with `source`, read with `overrides`. */
async function root(t: TestContext, source: string, overrides: Overrides = {}): Promise<TerraformConfig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'main.tf'), source);
  return TerraformConfig.read(dir, overrides);
}

const local = (config: TerraformConfig, name: string): Promise<Value> => config.local(name, 'test');

describe('evaluating a root without Terraform', () => {
  test('variable defaults, locals built from them, and the functions a root uses', async (t) => {
    const config = await root(
      t,
      `
variable "name" {
  type    = string
  default = "hello"
}
variable "origins" {
  type    = list(string)
  default = ["https://b.example.com", "https://a.example.com"]
}
variable "limit" {
  type    = number
  default = null
}
locals {
  port   = 8080
  label  = "\${var.name}-prod"
  env = merge(
    {
      NAME    = upper(var.name)
      PORT    = tostring(local.port)
      ORIGINS = join(",", sort(var.origins))
      COUNT   = tostring(length(var.origins) + 1)
    },
    var.limit == null ? {} : { LIMIT = tostring(var.limit) },
    var.limit != null && !contains(var.origins, "x") ? { NEVER = "1" } : {},
  )
  pairs   = [for key in sort(keys(local.env)) : { name = key, value = local.env[key] }]
  by_name = { for pair in local.pairs : lower(pair.name) => pair.value if pair.name != "COUNT" }
  first   = local.pairs[0].name
  chosen  = coalesce(var.limit, 7)
  encoded = jsonencode({ b = 1, a = [true, null] })
}
`,
    );
    assert.equal(await local(config, 'label'), 'hello-prod');
    assert.deepEqual(await local(config, 'env'), { NAME: 'HELLO', PORT: '8080', ORIGINS: 'https://a.example.com,https://b.example.com', COUNT: '3' });
    assert.deepEqual(await local(config, 'by_name'), { name: 'HELLO', origins: 'https://a.example.com,https://b.example.com', port: '8080' });
    assert.equal(await local(config, 'first'), 'COUNT');
    assert.equal(await local(config, 'chosen'), 7);
    assert.equal(await local(config, 'encoded'), '{"a":[true,null],"b":1}');
  });

  test('resources, data sources and variables without a default are unknown, and stay so through expressions', async (t) => {
    const config = await root(
      t,
      `
variable "tag" { type = string }
data "aws_vpc" "this" { default = true }
resource "aws_ecr_repository" "this" { name = "x" }
locals {
  cidr  = data.aws_vpc.this.cidr_block
  image = "\${aws_ecr_repository.this.repository_url}:\${var.tag}"
  env   = { CIDR = local.cidr, KNOWN = "yes" }
  whole = jsonencode(local.env)
  cond  = var.tag == "a" ? 1 : 2
}
`,
    );
    const cidr = await local(config, 'cidr');
    assert.ok(cidr instanceof Unknown);
    assert.match(cidr.reason, /data\.aws_vpc\.this\.cidr_block is read from AWS/);
    assert.ok(await local(config, 'image') instanceof Unknown);
    const env = (await local(config, 'env')) as Record<string, Value>;
    assert.ok(env.CIDR instanceof Unknown, 'an unknown attribute inside a known object');
    assert.equal(env.KNOWN, 'yes');
    assert.ok(await local(config, 'whole') instanceof Unknown, 'jsonencode of anything partly unknown is unknown, as in Terraform');
    const cond = await local(config, 'cond');
    assert.ok(cond instanceof Unknown && /var\.tag has no default/.test(cond.reason));
  });

  test('overrides replace variables and locals, and one for something undeclared is refused', async (t) => {
    const source = `
variable "tag" { type = string }
locals {
  secure = false
  env    = { TAG = var.tag, HTTPS = tostring(local.secure) }
}
`;
    const config = await root(t, source, { variables: { tag: 'abc' }, locals: { secure: true } });
    assert.deepEqual(await local(config, 'env'), { TAG: 'abc', HTTPS: 'true' });
    await assert.rejects(root(t, source, { locals: { https_enabled: true } }), /defines no local value "https_enabled", which the local rehearsal sets/);
    await assert.rejects(root(t, source, { variables: { image: 'x' } }), /declares no variable "image"/);
  });

  test('what the evaluator cannot do is an error naming the file and the expression', async (t) => {
    const config = await root(
      t,
      `
locals {
  hashed = md5("x")
  splat  = local.list[*].id
  list   = [{ id = 1 }]
  loop   = local.loop
}
`,
    );
    await assert.rejects(local(config, 'hashed'), /main\.tf: cannot evaluate "md5\(\\"x\\"\)": function md5\(\) is not one the local rehearsal evaluates/);
    await assert.rejects(local(config, 'splat'), /main\.tf: cannot evaluate "local\.list\[\*\]\.id": splat expression/);
    await assert.rejects(local(config, 'loop'), /local\.loop refers to itself/);
    await assert.rejects(local(config, 'missing'), /local\.missing is not defined/);
  });

  test('a directory without .tf files or with broken HCL is a one-line error', async (t) => {
    const empty = mkdtempSync(path.join(tmpdir(), 'hcl-empty-'));
    t.after(() => rmSync(empty, { recursive: true, force: true }));
    await assert.rejects(TerraformConfig.read(empty), /has no \.tf files; pass --terraform-dir/);
    await assert.rejects(TerraformConfig.read(path.join(empty, 'nope')), /does not exist; pass --terraform-dir/);
    await assert.rejects(root(t, 'locals {\n  a = \n}\n'), /main\.tf is not valid HCL/);
  });
});

/** How terraform console shows a value only an apply knows. */
const KNOWN_AFTER_APPLY = '(known after apply)';

/** `terraform console` prints a map one `"KEY" = value` line per entry. */
function parseConsoleMap(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const match of text.matchAll(/^\s*"([^"]+)" = (.*)$/gm)) {
    const raw = match[2] ?? '';
    entries[match[1] ?? ''] = raw === KNOWN_AFTER_APPLY ? raw : (JSON.parse(raw) as string);
  }
  return entries;
}

function asConsoleMap(value: Value): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, Value>)) {
    entries[key] = item instanceof Unknown ? KNOWN_AFTER_APPLY : typeof item === 'string' ? item : JSON.stringify(item);
  }
  return entries;
}

describe('the container environment, evaluated here and by terraform console', () => {
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    test('terraform console cross-check', (t) => {
      t.skip(`SKIPPED terraform console cross-check — missing: ${missing.join('; ')}`);
    });
    return;
  }

  const workDir = copyTerraformTree();
  after(() => rmSync(workDir, { recursive: true, force: true }));

  // Input sets that take every branch of the environment's merge().
  const cases: Array<{ name: string; variables: Record<string, Value>; flags: string[] }> = [
    { name: 'variable defaults (no certificate: plain HTTP)', variables: { image_tag: 'abc123' }, flags: ['-var=image_tag=abc123'] },
    {
      name: 'HTTPS, a domain, CORS origins, rate limits and a version',
      variables: {
        image_tag: 'def456',
        certificate_arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-4567-89ef-0123-456789abcdef',
        domain_name: 'api.example.com',
        allowed_origins: ['https://a.example.com', 'https://b.example.com'],
        log_level: 'warn',
        app_version: '2.1.0',
        app_rate_limit_per_minute: 600,
        app_rate_limit_burst: 50,
      },
      flags: [
        '-var=image_tag=def456',
        '-var=certificate_arn=arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-4567-89ef-0123-456789abcdef',
        '-var=domain_name=api.example.com',
        '-var=allowed_origins=["https://a.example.com","https://b.example.com"]',
        '-var=log_level=warn',
        '-var=app_version=2.1.0',
        '-var=app_rate_limit_per_minute=600',
        '-var=app_rate_limit_burst=50',
      ],
    },
  ];

  test('terraform init with a local backend (the copy only)', { timeout: 120_000 }, async () => {
    writeFileSync(path.join(workDir, 'backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
    const init = await runTerraform(['init', `-plugin-dir=${findPluginDir() ?? ''}`, '-input=false', '-no-color'], workDir);
    assert.equal(init.code, 0, init.stderr);
  });

  for (const { name, variables, flags } of cases) {
    test(`local.container_environment with ${name}`, { timeout: 60_000 }, async () => {
      const consoleRun = await runTerraform(['console', '-no-color', ...flags], workDir, 'local.container_environment\n');
      assert.equal(consoleRun.code, 0, consoleRun.stderr);
      const expected = parseConsoleMap(consoleRun.stdout);
      assert.ok(Object.keys(expected).length >= 7, `terraform console printed: ${consoleRun.stdout}`);
      const config = await TerraformConfig.read(TERRAFORM_DIR, { variables });
      assert.deepEqual(asConsoleMap(await config.local('container_environment', 'test')), expected);
    });
  }
});
