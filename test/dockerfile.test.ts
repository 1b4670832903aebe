// Static checks of the Dockerfile and .dockerignore: every image rule from the container issue, proven by broken fixtures.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import {
  EXACT_NODE_ALPINE_IMAGE,
  baseImageOf,
  nodeVersionOf,
  readDockerfile,
  runtimeStage,
  type ParsedDockerfile,
  type Stage,
  type Step,
} from '../scripts/lib/dockerfile.ts';
import { parseDockerIgnore } from './helpers/dockerfile.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DOCKERFILE = join(ROOT, 'Dockerfile');
const BROKEN_FIXTURES = join(ROOT, 'test', 'fixtures', 'dockerfiles', 'broken');

/** The container health check of the ECS task definition (terraform/ecs.tf): the image must behave the same. */
const ECS_HEALTH_CHECK = { interval: '15s', timeout: '5s', 'start-period': '10s', retries: '3' } as const;
const SERVICE_PORT = '8080';
const APP_DIR = '/app';
/** Package-manager paths the official node image ships (nodejs/docker-node Dockerfile-alpine template). */
const PACKAGE_MANAGER_PATHS = [
  '/usr/local/lib/node_modules',
  '/usr/local/bin/npm',
  '/usr/local/bin/npx',
  '/usr/local/bin/corepack',
  '/usr/local/bin/yarn',
] as const;
/** The most the build context may weigh: it holds sources and the lockfile only. */
const CONTEXT_BUDGET_BYTES = 1024 * 1024;

/** Rule ids; test/fixtures/dockerfiles/broken/<id>.Dockerfile breaks exactly that rule. */
const RULES = [
  'build-stage',
  'exact-base-tag',
  'same-base',
  'non-root-user',
  'exec-cmd',
  'no-entrypoint-script',
  'healthcheck',
  'no-fetch-tools',
  'no-node-modules',
  'node-modules-guard',
  'no-remote-add',
  'no-secrets',
  'runtime-settings',
  'package-managers-removed',
  'root-owned-files',
  'oci-labels',
  'multi-arch',
] as const;
type RuleId = (typeof RULES)[number];

interface Violation {
  readonly rule: RuleId;
  readonly message: string;
}

const stepsOf = (stage: Stage, keyword: string): Step[] => stage.steps.filter((step) => step.keyword === keyword);
const runText = (step: Step): string => step.args.join(' ');
const unquote = (value: string | null): string | null => value?.replace(/^"(.*)"$/, '$1') ?? null;

const SECRET_NAME = /(secret|token|passw(or)?d|private[_-]?key|api[_-]?key|access[_-]?key|credential)/i;
/** AWS access key ids and PEM blocks: values that are secrets whatever the variable is called. */
const SECRET_VALUE = /(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const FETCH_TOOLS = /\b(curl|wget|apk|apt-get|apt|pip3?)\b/;
const ARCH_NAMES = /\b(x86_64|amd64|aarch64|arm64|armv7)\b/;

/** Every rule the image must follow, checked against a parsed Dockerfile. Returns what is broken. */
function checkDockerfile(parsed: ParsedDockerfile): Violation[] {
  const violations: Violation[] = [];
  const fail = (rule: RuleId, message: string): void => {
    violations.push({ rule, message });
  };
  const runtime = runtimeStage(parsed);
  const buildStages = parsed.stages.filter((stage) => stage !== runtime);

  // Stages: a build stage compiles from the lockfile; the runtime stage is the last one.
  const compiles = buildStages.some((stage) => {
    const runs = stepsOf(stage, 'RUN').map(runText);
    return runs.some((text) => /\bnpm ci\b/.test(text)) && runs.some((text) => /\bnpm run build\b/.test(text));
  });
  if (!compiles) fail('build-stage', 'no stage before the runtime stage runs `npm ci` and `npm run build`');
  for (const stage of parsed.stages) {
    for (const step of stepsOf(stage, 'RUN')) {
      if (/\bnpm (install|i)\b/.test(runText(step))) fail('build-stage', `line ${step.line}: use \`npm ci\`, not \`npm install\``);
    }
  }

  // Base images: one exact Node Alpine tag for every stage.
  const bases = new Set<string>();
  for (const stage of parsed.stages) {
    const image = baseImageOf(parsed, stage);
    bases.add(image);
    if (!EXACT_NODE_ALPINE_IMAGE.test(image)) {
      fail('exact-base-tag', `stage ${stage.name ?? stage.index} is built on ${image}, not node:<x.y.z>-alpine<a.b>`);
    }
  }
  if (bases.size !== 1) fail('same-base', `stages are built on different images: ${[...bases].join(', ')}`);

  // Process: non-root user, node as PID 1 via exec-form CMD, no entrypoint wrapper.
  const cmd = stepsOf(runtime, 'CMD').at(-1);
  const users = stepsOf(runtime, 'USER');
  const lastUser = users.at(-1);
  const userName = lastUser?.args[0]?.split(':')[0];
  if (lastUser === undefined || userName === undefined || userName === 'root' || userName === '0') {
    fail('non-root-user', 'the runtime stage must end with a non-root USER');
  } else if (cmd !== undefined && lastUser.line > cmd.line) {
    fail('non-root-user', `USER (line ${lastUser.line}) must come before CMD (line ${cmd.line})`);
  }
  if (cmd?.exec?.[0] !== 'node' || cmd.exec.length < 2) {
    fail('exec-cmd', 'CMD must be exec form starting with node, e.g. ["node", "dist/server.js"]');
  }
  const entrypoint = stepsOf(runtime, 'ENTRYPOINT').at(-1);
  if (entrypoint?.exec === undefined || entrypoint.exec === null || entrypoint.exec.length !== 0) {
    fail('no-entrypoint-script', "ENTRYPOINT [] is required: the base image's docker-entrypoint.sh would wrap node in a shell");
  }

  // Health check: node, exec form, the ECS timings.
  const healthcheck = stepsOf(runtime, 'HEALTHCHECK').at(-1);
  if (healthcheck?.exec?.[0] !== 'node') {
    fail('healthcheck', 'HEALTHCHECK must be CMD in exec form running node (no shell, no curl)');
  }
  for (const [flag, expected] of Object.entries(ECS_HEALTH_CHECK)) {
    const actual = healthcheck?.flags.get(flag);
    if (actual !== expected) fail('healthcheck', `HEALTHCHECK --${flag}=${actual ?? '(unset)'}, the ECS task uses ${expected}`);
  }

  // Runtime contents: no fetch tools, no node_modules, root-owned read-only files, package managers gone.
  for (const step of stepsOf(runtime, 'RUN')) {
    const tool = FETCH_TOOLS.exec(runText(step))?.[1];
    if (tool !== undefined) fail('no-fetch-tools', `line ${step.line}: the runtime stage runs ${tool}`);
  }
  const copies = [...stepsOf(runtime, 'COPY'), ...stepsOf(runtime, 'ADD')];
  for (const copy of copies) {
    for (const source of copy.args.slice(0, -1)) {
      const normalized = posix.normalize(source).replace(/\/$/, '');
      const copiesWholeTree = ['.', '/', APP_DIR, '*'].includes(normalized);
      if (normalized.split('/').includes('node_modules') || copiesWholeTree) {
        fail('no-node-modules', `line ${copy.line}: ${copy.keyword} ${source} brings node_modules (or the whole tree) into the runtime stage`);
      }
    }
    if (copy.flags.has('chown') || copy.flags.has('chmod')) {
      fail('root-owned-files', `line ${copy.line}: keep ${copy.keyword} without --chown/--chmod so files stay root-owned and read-only`);
    }
  }
  const lastCopyLine = Math.max(0, ...copies.map((copy) => copy.line));
  const guarded = stepsOf(runtime, 'RUN').some((step) => step.line > lastCopyLine && runText(step).includes(`${APP_DIR}/node_modules`));
  if (!guarded) fail('node-modules-guard', `no RUN after the last COPY fails the build when ${APP_DIR}/node_modules exists`);
  const runtimeRuns = stepsOf(runtime, 'RUN').map(runText).join('\n');
  for (const path of PACKAGE_MANAGER_PATHS) {
    if (!runtimeRuns.includes(path)) fail('package-managers-removed', `the runtime stage does not remove ${path}`);
  }

  // Every stage: no remote ADD, no secrets baked into ENV or ARG, nothing tied to one CPU architecture.
  for (const stage of parsed.stages) {
    for (const add of stepsOf(stage, 'ADD')) {
      for (const source of add.args.slice(0, -1)) {
        if (/^(https?|git|ssh):\/\/|^git@/.test(source)) fail('no-remote-add', `line ${add.line}: ADD of remote ${source}`);
      }
    }
    for (const step of [...stepsOf(stage, 'ENV'), ...stepsOf(stage, 'ARG')]) {
      for (const [name, value] of step.properties) {
        if (SECRET_NAME.test(name) || SECRET_VALUE.test(value ?? '')) {
          fail('no-secrets', `line ${step.line}: ${step.keyword} ${name} looks like a secret; pass secrets at run time`);
        }
      }
    }
    if (stage.platform !== null && !/\$\{?(BUILD|TARGET)PLATFORM\}?/.test(stage.platform)) {
      fail('multi-arch', `stage ${stage.name ?? stage.index} is fixed to --platform=${stage.platform}`);
    }
    for (const step of stepsOf(stage, 'RUN')) {
      const arch = ARCH_NAMES.exec(runText(step))?.[1];
      if (arch !== undefined) fail('multi-arch', `line ${step.line}: RUN mentions ${arch}; the image must build for amd64 and arm64`);
    }
  }

  // Runtime settings.
  const workdir = stepsOf(runtime, 'WORKDIR').at(-1)?.args[0];
  const env = new Map(stepsOf(runtime, 'ENV').flatMap((step) => step.properties));
  const exposed = stepsOf(runtime, 'EXPOSE').flatMap((step) => step.args);
  const stopSignal = stepsOf(runtime, 'STOPSIGNAL').at(-1)?.args[0];
  if (workdir !== APP_DIR) fail('runtime-settings', `WORKDIR is ${workdir ?? '(unset)'}, expected ${APP_DIR}`);
  if (unquote(env.get('NODE_ENV') ?? null) !== 'production') fail('runtime-settings', 'ENV NODE_ENV=production is missing');
  if (!exposed.includes(SERVICE_PORT)) fail('runtime-settings', `EXPOSE ${SERVICE_PORT} is missing`);
  if (stopSignal !== 'SIGTERM') fail('runtime-settings', `STOPSIGNAL is ${stopSignal ?? '(unset)'}, expected SIGTERM`);

  // OCI labels from the build args the CI workflow passes.
  const labels = new Map(stepsOf(runtime, 'LABEL').flatMap((step) => step.properties).map(([name, value]) => [name, unquote(value)]));
  const args = new Set(stepsOf(runtime, 'ARG').flatMap((step) => step.properties.map(([name]) => name)));
  const expectedLabels = [
    ['org.opencontainers.image.version', 'VERSION'],
    ['org.opencontainers.image.revision', 'REVISION'],
  ] as const;
  for (const [label, arg] of expectedLabels) {
    if (labels.get(label) !== `\${${arg}}` || !args.has(arg)) {
      fail('oci-labels', `LABEL ${label}="\${${arg}}" with ARG ${arg} in the runtime stage is required`);
    }
  }
  if (!labels.has('org.opencontainers.image.source')) fail('oci-labels', 'LABEL org.opencontainers.image.source is missing');
  return violations;
}

const rulesOf = (violations: readonly Violation[]): RuleId[] => [...new Set(violations.map((violation) => violation.rule))].sort();

describe('Dockerfile', () => {
  const parsed = readDockerfile(DOCKERFILE);

  test('satisfies every image rule', () => {
    assert.deepEqual(checkDockerfile(parsed), []);
  });

  test('builds in a separate stage and runs the last stage', () => {
    assert.ok(parsed.stages.length >= 2, 'multi-stage');
    assert.equal(runtimeStage(parsed).name, 'runtime');
  });

  test("pins one Node version that satisfies package.json engines and is an LTS (even) major", () => {
    const version = nodeVersionOf(parsed);
    const major = Number(version.split('.')[0]);
    assert.equal(major % 2, 0, `Node ${version} is not on an LTS line (LTS majors are even)`);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
    const range = pkg.engines?.node ?? '';
    const minimum = /^>=\s*(\d+)(?:\.\d+){0,2}$/.exec(range)?.[1];
    assert.ok(minimum !== undefined, `package.json engines.node is "${range}"; expected a ">=<major>" range`);
    assert.ok(major >= Number(minimum), `the image's Node ${version} is outside engines.node "${range}"`);
  });

  test('has a broken fixture for every rule', () => {
    const fixtures = readdirSync(BROKEN_FIXTURES).filter((name) => name.endsWith('.Dockerfile'));
    assert.deepEqual(fixtures.map((name) => name.replace(/\.Dockerfile$/, '')).sort(), [...RULES].sort());
  });

  for (const name of readdirSync(BROKEN_FIXTURES).filter((file) => file.endsWith('.Dockerfile')).sort()) {
    const expected = name.replace(/\.Dockerfile$/, '');
    test(`fails on broken fixture ${name} with exactly rule ${expected}`, () => {
      const violations = checkDockerfile(readDockerfile(join(BROKEN_FIXTURES, name)));
      assert.deepEqual(rulesOf(violations), [expected], JSON.stringify(violations, null, 2));
    });
  }
});

/** The files of the repository a `docker build .` would send, walking only folders .dockerignore can admit. */
function buildContextFiles(root: string, ignore: ReturnType<typeof parseDockerIgnore>): Map<string, number> {
  const files = new Map<string, number>();
  const visit = (relative: string): void => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const excluded = ignore.isExcluded(path);
      if (entry.isDirectory()) {
        if (!excluded || ignore.mayReadmitInside(path)) visit(path);
      } else if (!excluded) {
        files.set(path, statSync(join(root, path)).size);
      }
    }
  };
  visit('');
  return files;
}

describe('.dockerignore', () => {
  const ignore = parseDockerIgnore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const parsed = readDockerfile(DOCKERFILE);
  const contextSources = parsed.stages.flatMap((stage) =>
    stepsOf(stage, 'COPY')
      .filter((copy) => !copy.flags.has('from'))
      .flatMap((copy) => copy.args.slice(0, -1).map((source) => posix.normalize(source).replace(/\/$/, ''))),
  );

  test('admits every file the Dockerfile copies from the context', () => {
    assert.ok(contextSources.length > 0);
    for (const source of contextSources) {
      assert.equal(ignore.isExcluded(source), false, `${source} is copied by the Dockerfile but ignored`);
    }
    for (const entry of readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) {
        assert.equal(ignore.isExcluded(`lib/${entry}`), false, `lib/${entry} would be missing from the build`);
      }
    }
  });

  test('keeps repository clutter and secret-looking files out', () => {
    const mustExclude = [
      '.git/HEAD', 'node_modules/typescript/package.json', 'dist/server.js', 'test/service.test.ts', 'terraform/ecs.tf',
      '.github/workflows/ci.yml', 'coverage/lcov.info', '.env', '.env.production', 'lib/.env', 'bench/run.ts',
      'Dockerfile', 'README.md', '.npmrc', 'id_rsa', 'lib/server.pem', 'lib/tls.key', '.aws/credentials',
      'terraform/prod.tfvars', 'secrets.json', 'lib/app.test.ts', 'scripts/node-parity.ts',
    ];
    for (const path of mustExclude) assert.equal(ignore.isExcluded(path), true, `${path} would be sent to the Docker daemon`);
  });

  test('sends only what the build copies, within the size budget', () => {
    const files = buildContextFiles(ROOT, ignore);
    let total = 0;
    for (const [path, size] of files) {
      total += size;
      const copied = contextSources.some((source) => path === source || path.startsWith(`${source}/`));
      assert.ok(copied, `${path} is in the build context but no COPY uses it`);
    }
    assert.ok(files.has('package-lock.json') && files.has('server.ts'));
    assert.ok(total <= CONTEXT_BUDGET_BYTES, `build context is ${total} bytes, budget ${CONTEXT_BUDGET_BYTES}`);
  });
});
