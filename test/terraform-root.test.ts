// Facts read from a Terraform root's files, on temp roots, and backend.hcl from the bootstrap through a recording runner.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ExitError } from '../scripts/lib/errors.ts';
import {
  backendFor,
  backendStatus,
  checkRoot,
  declaresVariable,
  deployedImageTag,
  missingBackendMessage,
  usesAwsProvider,
  writeBackendFromBootstrap,
} from '../scripts/lib/terraform-root.ts';
import { commandLine, exited, recordingRunner } from './helpers/runner.ts';

const AWS_ROOT = 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\nvariable "image_tag" {\n  type = string\n}\n';
const PLAIN_ROOT = 'resource "terraform_data" "x" {}\n';
const DEPLOYED = { image_tag: { sensitive: false, type: 'string', value: 'v7' } };

function root(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-root-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('a directory that is not a root is refused with the flag to fix', (t) => {
  const empty = root(t, { 'README.md': '' });
  assert.throws(() => checkRoot(join(empty, 'nope')), { message: `Terraform directory ${join(empty, 'nope')} does not exist; pass --terraform-dir <root module>` });
  assert.throws(() => checkRoot(empty), { message: `${empty} has no .tf files; pass --terraform-dir <root module>` });
  checkRoot(root(t, { 'main.tf': PLAIN_ROOT }));
});

test('what the root uses: the aws provider (so Terraform needs credentials) and an image_tag variable', (t) => {
  const aws = root(t, { 'versions.tf': AWS_ROOT });
  const plain = root(t, { 'main.tf': PLAIN_ROOT });
  assert.equal(usesAwsProvider(aws), true);
  assert.equal(usesAwsProvider(plain), false);
  assert.equal(usesAwsProvider(root(t, { 'main.tf': 'resource "aws_s3_bucket" "b" {}\n' })), true);
  assert.equal(declaresVariable(aws, 'image_tag'), true);
  assert.equal(declaresVariable(plain, 'image_tag'), false);
});

test('backend.hcl: present, missing (a remote backend to configure) or none (the root keeps its own)', (t) => {
  const present = root(t, { 'main.tf': PLAIN_ROOT, 'backend.hcl': 'bucket = "b"\n', 'backend.hcl.example': '' });
  const missing = root(t, { 'main.tf': PLAIN_ROOT, 'backend.hcl.example': '' });
  const none = root(t, { 'main.tf': PLAIN_ROOT });
  assert.equal(backendStatus(present), 'present');
  assert.equal(backendStatus(missing), 'missing');
  assert.equal(backendStatus(none), 'none');
  assert.deepEqual(backendFor(present), { configFile: join(present, 'backend.hcl') });
  assert.equal(backendFor(none), 'default');
  assert.throws(() => backendFor(missing), (error: unknown) => error instanceof ExitError && error.message === missingBackendMessage(missing));
  assert.match(missingBackendMessage(missing), /not found; write it from the bootstrap's backend_hcl output with --backend-from-bootstrap, or run: terraform -chdir=.*output -raw backend_hcl > /);
});

test('no --image-tag: the deployed tag is kept, unless the caller sets image_tag another way', (t) => {
  const dir = root(t, { 'main.tf': AWS_ROOT, 'tag.tfvars': 'image_tag = "v9"\n', 'other.tfvars': 'log_level = "warn"\n' });
  assert.equal(deployedImageTag(dir, DEPLOYED, [], {}), 'v7');
  assert.equal(deployedImageTag(dir, DEPLOYED, [join(dir, 'other.tfvars')], {}), 'v7');
  assert.equal(deployedImageTag(dir, DEPLOYED, [join(dir, 'tag.tfvars')], {}), undefined, 'a var file sets it');
  assert.equal(deployedImageTag(dir, DEPLOYED, [], { TF_VAR_image_tag: 'v8' }), undefined, 'TF_VAR_image_tag sets it');
  assert.equal(deployedImageTag(dir, {}, [], {}), undefined, 'nothing deployed yet');
  assert.equal(deployedImageTag(root(t, { 'main.tf': PLAIN_ROOT }), DEPLOYED, [], {}), undefined, 'the root takes no image_tag');
});

test('--backend-from-bootstrap writes backend.hcl from the bootstrap state, once', async (t) => {
  const dir = root(t, { 'main.tf': AWS_ROOT, 'bootstrap/main.tf': PLAIN_ROOT });
  const backend = 'bucket       = "state-123"\nuse_lockfile = true';
  const { run, calls } = recordingRunner(() => exited(0, JSON.stringify({ backend_hcl: { sensitive: false, type: 'string', value: backend } })));
  const notes: string[] = [];
  await writeBackendFromBootstrap(dir, (line) => notes.push(line), run);
  assert.deepEqual(calls.map(commandLine), ['terraform output -json']);
  assert.equal(calls[0]?.options.cwd, join(dir, 'bootstrap'));
  assert.equal(readFileSync(join(dir, 'backend.hcl'), 'utf8'), `${backend}\n`);
  assert.deepEqual(notes, [`wrote ${join(dir, 'backend.hcl')} from the bootstrap's backend_hcl output`]);

  writeFileSync(join(dir, 'backend.hcl'), 'bucket = "mine"\n');
  await writeBackendFromBootstrap(dir, (line) => notes.push(line), run);
  assert.equal(readFileSync(join(dir, 'backend.hcl'), 'utf8'), 'bucket = "mine"\n', 'an existing file is left as it is');
  assert.equal(calls.length, 1, 'and the bootstrap is not even read');
  assert.equal(notes.at(-1), `${join(dir, 'backend.hcl')} already exists; left as it is`);
});

test('--backend-from-bootstrap stops with the reason when there is no bootstrap, or no output to write from', async (t) => {
  const noBootstrap = root(t, { 'main.tf': AWS_ROOT });
  const { run } = recordingRunner(() => exited(0, '{}'));
  await assert.rejects(writeBackendFromBootstrap(noBootstrap, () => undefined, run), {
    message: `--backend-from-bootstrap: ${join(noBootstrap, 'bootstrap')} does not exist; the bootstrap root is expected there`,
  });
  const notApplied = root(t, { 'main.tf': AWS_ROOT, 'bootstrap/main.tf': PLAIN_ROOT });
  await assert.rejects(writeBackendFromBootstrap(notApplied, () => undefined, run), {
    message: `the state of ${join(notApplied, 'bootstrap')} has no backend_hcl output; apply the bootstrap first (docs/infrastructure.md)`,
  });
  assert.equal(existsSync(join(notApplied, 'backend.hcl')), false);
});
