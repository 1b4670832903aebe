// The flags every Terraform command shares, checked in-process: defaults, accepted forms, one-line refusals naming the flag.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../scripts/lib/errors.ts';
import { checkImageTag, checkVarFiles, DEFAULT_TERRAFORM_DIR, parseFormat, parsePositiveSeconds, terraformTarget } from '../scripts/lib/options.ts';

function usageError(message: string): (error: unknown) => boolean {
  return (error) => error instanceof UsageError && error.message === message;
}

test('--format: text by default, one of the renderers, or a refusal listing them', () => {
  assert.equal(parseFormat(undefined), 'text');
  assert.equal(parseFormat('markdown'), 'markdown');
  assert.throws(() => parseFormat('json'), usageError('--format must be one of text, markdown; got "json"'));
});

test('--var-file: every file must exist', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'options-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const present = join(dir, 'prod.tfvars');
  writeFileSync(present, 'x = 1\n');
  assert.deepEqual(checkVarFiles(undefined), []);
  assert.deepEqual(checkVarFiles([present]), [present]);
  assert.throws(() => checkVarFiles([present, join(dir, 'missing.tfvars')]), usageError(`--var-file ${join(dir, 'missing.tfvars')} does not exist`));
});

test('seconds: a positive decimal number, else the fallback when absent', () => {
  assert.equal(parsePositiveSeconds(undefined, '--health-timeout', 900), 900);
  assert.equal(parsePositiveSeconds('0.5', '--health-timeout', 900), 0.5);
  assert.equal(parsePositiveSeconds('30', '--health-timeout', 900), 30);
  for (const raw of ['0', '-1', '1e3', '.5', 'abc', '']) {
    assert.throws(() => parsePositiveSeconds(raw, '--health-interval', 10), usageError(`--health-interval must be a positive number of seconds; got ${JSON.stringify(raw)}`), raw);
  }
});

test('--image-tag: absent stays absent (the command picks the tag)', () => {
  assert.equal(checkImageTag(undefined), undefined);
});

test('the Terraform target: defaults, and each flag carried over', (t) => {
  assert.deepEqual(terraformTarget({}), { terraformDir: DEFAULT_TERRAFORM_DIR, varFiles: [], backendFromBootstrap: false });
  const dir = mkdtempSync(join(tmpdir(), 'options-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const varFile = join(dir, 'prod.tfvars');
  writeFileSync(varFile, '');
  assert.deepEqual(
    terraformTarget({ 'image-tag': 'v1', 'var-file': [varFile], 'terraform-dir': 'infra', 'plugin-dir': '/opt/tf-plugins', 'backend-from-bootstrap': true }),
    { terraformDir: 'infra', imageTag: 'v1', varFiles: [varFile], pluginDir: '/opt/tf-plugins', backendFromBootstrap: true },
  );
  assert.throws(() => terraformTarget({ 'image-tag': 'latest' }), UsageError);
});
