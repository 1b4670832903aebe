// Deploy, rollback, refusal and drift on the REAL hashicorp/aws provider, its endpoints on a loopback fake of ECR, ECS and Logs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startFakeAws, type FakeAws } from './helpers/fake-aws.ts';
import { FIXTURES, readToolLog, runScript, scriptEnv, startAlb, tempDir } from './helpers/scripts.ts';
import { CLI_CONFIG_FILE, findPluginDir, missingPrerequisites, runTerraform, writeMirrorCliConfig } from './helpers/terraform.ts';
import { npmCommand, runDriftReportJob, workflowStep } from './helpers/workflows.ts';

const SERVICE = 'hello-service';
const LOG_GROUP = '/ecs/hello-service-test';
const FAST_HEALTH = ['--health-interval', '0.2', '--health-timeout', '20'];

interface Stack {
  readonly aws: FakeAws;
  /** The Terraform root (named terraform/, so a command run from its parent finds it by default). */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly toolLog: string;
  /** --terraform-dir and --plugin-dir. */
  readonly target: readonly string[];
  /** The target and short health waits: what every deploy here is run with. */
  readonly base: readonly string[];
}

/** A copy of test/fixtures/tf-aws wired to a fresh fake AWS and a loopback "ALB" that reports what ECS runs. */
async function startStack(t: TestContext, pluginDir: string): Promise<Stack> {
  const aws = await startFakeAws();
  t.after(() => aws.close());
  const albUrl = await startAlb(t, () => aws.runningCommit(SERVICE) ?? 'none');
  const dir = join(tempDir(t, 'deploy-aws'), 'terraform');
  cpSync(join(FIXTURES, 'tf-aws'), dir, { recursive: true });
  // terraform.tfvars is read by every plan, so the commands run exactly as a user (or the workflow) types them.
  writeFileSync(join(dir, 'terraform.tfvars'), `aws_endpoint = "${aws.url}"\nservice_url  = "${albUrl}"\n`);
  const toolLog = join(tempDir(t, 'tool-log'), 'calls.jsonl');
  // GOGC: the provider builds its whole schema (1,500-odd resource types) at every start; a lazier garbage collector
  // saves about a third of that CPU and changes nothing else.
  const env = scriptEnv({ FAKE_TOOL_LOG: toolLog, TF_CLI_CONFIG_FILE: CLI_CONFIG_FILE, GOGC: '400' }, { fakes: true });
  const target = ['--terraform-dir', dir, '--plugin-dir', pluginDir];
  return { aws, dir, env, toolLog, target, base: [...target, ...FAST_HEALTH] };
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/** A one-commit repository with a Dockerfile, to build from; returns [directory, commit]. */
function commitRepo(t: TestContext): [string, string] {
  const repo = tempDir(t, 'repo');
  writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(repo, 'package.json'), '{"name":"hello-service","version":"1.2.3"}\n');
  git(repo, 'init', '--quiet');
  git(repo, 'add', 'Dockerfile', 'package.json');
  git(repo, 'commit', '--quiet', '-m', 'test');
  return [repo, git(repo, 'rev-parse', 'HEAD')];
}

/** Task definition revisions the fake holds, as "family:revision STATUS". */
function revisions(aws: FakeAws): string[] {
  return aws.state.taskDefinitions.map((td) => `${td.family}:${td.revision} ${td.status}`);
}

/** What a deploy must leave alone when it refuses: the fake's resources and the Terraform state file. */
function snapshot(stack: Stack): string {
  const { state } = stack.aws;
  return JSON.stringify({
    revisions: revisions(stack.aws),
    services: [...state.services.values()].map((service) => [service.name, service.taskDefinition, service.desiredCount]),
    logGroups: [...state.logGroups.keys()],
    repositories: [...state.repositories.keys()],
    tfstate: readFileSync(join(stack.dir, 'terraform.tfstate'), 'utf8'),
  });
}

/** The `run:` script of the step in deploy.yml's `job` that runs `command`. */
function runOf(job: string, command: string): string {
  return workflowStep('deploy.yml', job, (step) => step.run?.includes(command) === true).run ?? '';
}

/** Positions of the patterns in `text`, in the order given; fails when one is missing. */
function inOrder(text: string, patterns: readonly RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const index = text.slice(from).search(pattern);
    assert.ok(index >= 0, `expected ${String(pattern)} after position ${from} in:\n${text}`);
    from += index + 1;
  }
}

test('deploy, rollback, refusal and drift on the real hashicorp/aws provider (fake AWS APIs on loopback)', { concurrency: 2 }, async (t) => {
  const missing = missingPrerequisites();
  const pluginDir = findPluginDir();
  if (missing.length > 0 || pluginDir === undefined) {
    t.skip(`SKIPPED real-provider deploy scenarios — missing: ${missing.join('; ')}`);
    return;
  }

  // Two independent stacks, each with its own fake AWS, run side by side: every Terraform command starts the
  // provider (seconds of CPU each), so one long chain would take twice as long.
  const deploys = t.test('deploys: first, second, rollback', async (t) => {
    const stack = await startStack(t, pluginDir);
    const { aws, base, env } = stack;
    const [repo, firstCommit] = commitRepo(t);

    await t.test('on an empty state a dirty tree is refused before anything is created', async () => {
      writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\nLABEL dirty=true\n');
      const result = await runScript('deploy', [...base, '--auto-approve'], { cwd: repo, env });
      git(repo, 'checkout', '--', 'Dockerfile');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /1 uncommitted change\(s\) \(M Dockerfile…\).*--allow-dirty/);
      assert.deepEqual(aws.calls, [], 'nothing may reach AWS');
    });

    await t.test('first deploy on an empty state: the ECR repository as its own confirmed step, then build, push and the rest', async () => {
      const result = await runScript('deploy', [...base, '--auto-approve'], { cwd: repo, env });
      assert.equal(result.code, 0, result.stderr);
      // Two plans on stdout: the repository alone, then everything else with the pushed tag.
      inOrder(result.stdout, [/^Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy, 1 output\(s\) changing\.\n\nACTION +ADDRESS +REASON\ncreate +aws_ecr_repository\.this\n/, /\nPlan: 3 to add, 0 to change/]);
      inOrder(result.stderr, [
        /deploy: first deploy: the state has no ecr_repository_url yet, so aws_ecr_repository\.this is created on its own first/,
        /deploy: applying .*registry\.tfplan \(aws_ecr_repository\.this only\)/,
        new RegExp(`deploy: pushing 123456789012\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/hello-service:${firstCommit}`),
        /deploy: applying .*deploy\.tfplan/,
        new RegExp(`health reports commit ${firstCommit} after`),
      ]);
      const pushes = readToolLog(stack.toolLog).filter((call) => call.tool === 'docker' && call.argv[0] === 'push');
      assert.equal(pushes.length, 1);
      assert.ok(aws.calls.indexOf('ecr.CreateRepository') < aws.calls.indexOf('ecs.RegisterTaskDefinition'));
      assert.deepEqual(revisions(aws), ['hello-service-test:1 ACTIVE']);
      assert.equal(aws.runningCommit(SERVICE), firstCommit);
    });

    await t.test('second deploy with a new tag: a new revision, applied without --allow-destroy, /health reports it', async () => {
      const result = await runScript('deploy', [...base, '--image-tag', 'v2', '--auto-approve'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy, 1 new revision\(s\), 2 output\(s\) changing\./);
      assert.match(result.stdout, /\nnew revision +aws_ecs_task_definition\.this +replace_because_cannot_update; forced by container_definitions\n/);
      assert.match(result.stdout, /1 new revision\(s\), routine \(no --allow-destroy needed\):\n {2}aws_ecs_task_definition\.this: task definitions are immutable/);
      assert.doesNotMatch(result.stdout, /destructive/);
      assert.match(result.stderr, /health reports commit v2 after/);
      // skip_destroy: the first revision is still ACTIVE, so ECS (circuit breaker) and a rollback can use it.
      assert.deepEqual(revisions(aws), ['hello-service-test:1 ACTIVE', 'hello-service-test:2 ACTIVE']);
      assert.equal(aws.runningCommit(SERVICE), 'v2');
    });

    await t.test('rollback to the first tag: the same command with the earlier tag, another new revision', async () => {
      const result = await runScript('deploy', [...base, '--image-tag', firstCommit, '--auto-approve'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /\nnew revision +aws_ecs_task_definition\.this/);
      assert.match(result.stderr, new RegExp(`done: ${firstCommit} is live`));
      assert.deepEqual(revisions(aws), ['hello-service-test:1 ACTIVE', 'hello-service-test:2 ACTIVE', 'hello-service-test:3 ACTIVE']);
      assert.equal(aws.runningCommit(SERVICE), firstCommit);
    });

    assert.deepEqual(aws.unknown, [], 'the provider called an operation the fake does not implement');
  });

  const workflowAndDrift = t.test("deploy.yml's commands, a refused replacement, drift", async (t) => {
    const stack = await startStack(t, pluginDir);
    const { aws, base, target, env } = stack;
    // A deployed stack to start from, applied by terraform itself.
    for (const args of [['init', '-input=false', `-plugin-dir=${pluginDir}`], ['apply', '-input=false', '-auto-approve', '-var', 'image_tag=v1']]) {
      const result = await runTerraform(args, stack.dir);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.equal(aws.runningCommit(SERVICE), 'v1');

    await t.test("deploy.yml's plan and apply commands, read from the workflow, accept a routine new-revision plan", async () => {
      const runnerTemp = tempDir(t, 'runner-temp');
      mkdirSync(join(runnerTemp, 'plan'));
      const vars = { RUNNER_TEMP: runnerTemp, IMAGE_TAG: 'v2' };
      // From the directory above terraform/ and without --plugin-dir, as the workflow runs them (providers from a mirror).
      const workflowEnv = { ...env, TF_CLI_CONFIG_FILE: writeMirrorCliConfig(join(runnerTemp, 'terraform.rc'), pluginDir) };
      const cwd = join(stack.dir, '..');

      const planCommand = npmCommand(runOf('plan', 'npm run --silent plan'), vars);
      const plan = await runScript(planCommand.name, planCommand.args, { cwd, env: workflowEnv });
      assert.equal(plan.code, 2, plan.stderr);
      assert.match(plan.stdout, /\| `-\/\+` new revision \| `aws_ecs_task_definition\.this` \|/);
      assert.match(plan.stdout, /> \[!NOTE\]\n> 1 new revision\(s\), routine/);
      assert.doesNotMatch(plan.stdout, /\[!WARNING\]/);

      const deployCommand = npmCommand(runOf('apply', 'npm run deploy'), vars);
      assert.ok(!deployCommand.args.includes('--allow-destroy'), 'the workflow passes no --allow-destroy');
      const applied = await runScript(deployCommand.name, deployCommand.args, { cwd, env: workflowEnv });
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stderr, /health reports commit v2 after/);
      assert.deepEqual(revisions(aws), ['hello-service-test:1 ACTIVE', 'hello-service-test:2 ACTIVE']);
      assert.equal(aws.runningCommit(SERVICE), 'v2');
    });

    await t.test('a plan that replaces anything else is refused, and nothing changes', async () => {
      const renamed = join(stack.dir, 'rename-log-group.tfvars');
      writeFileSync(renamed, 'log_group_name = "/ecs/hello-service-renamed"\n');
      const before = snapshot(stack);
      const result = await runScript('deploy', [...base, '--var-file', renamed, '--image-tag', 'v3', '--auto-approve'], { env });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /\nreplace +aws_cloudwatch_log_group\.app +replace_because_cannot_update; forced by name\n/);
      assert.match(result.stderr, /refusing to apply 1 destructive change\(s\) \(replace aws_cloudwatch_log_group\.app\); review them and re-run with --allow-destroy/);
      assert.equal(snapshot(stack), before);
    });

    await t.test('drift: nothing changed outside Terraform → 0, though the refresh read unset tags back as empty', async () => {
      const result = await runScript('drift', target, { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^No drift: the real infrastructure matches the Terraform state\.\n/);
      assert.match(result.stdout, /Not drift \(\d+ changed attribute\(s\) that do not count\):\n {2}aws_ecs_task_definition\.this tags: same value written differently by the refresh/);
    });

    await t.test('drift: desired_count changed by autoscaling (ignore_changes) → 0, listed as ignored with the reason', async () => {
      const service = [...aws.state.services.values()].find((candidate) => candidate.name === SERVICE);
      assert.ok(service !== undefined);
      service.desiredCount = 5;
      const result = await runScript('drift', [...target, '--format', 'markdown'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /\*\*No drift:\*\*/);
      assert.match(result.stdout, /\| `aws_ecs_service\.this` \| `desired_count` \| lifecycle ignore_changes of aws_ecs_service\.this \(main\.tf\) \|/);
      // drift.yml's report job, fed this run's status and report, opens no issue.
      const calls = await runDriftReportJob(result.code, result.stdout);
      assert.deepEqual(calls.map((call) => call.method), ['issues.listForRepo']);
    });

    await t.test('drift: a console edit → 2, naming the resource and the attribute', async () => {
      const group = aws.state.logGroups.get(LOG_GROUP);
      assert.ok(group !== undefined);
      group.retentionInDays = 7;
      const before = readFileSync(join(stack.dir, 'terraform.tfstate'), 'utf8');
      const result = await runScript('drift', target, { env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stdout, /^Drift: 1 resource\(s\) changed outside Terraform:\n {2}~ aws_cloudwatch_log_group\.app \(update\)\n {6}retention_in_days\n/);
      assert.match(result.stdout, /aws_ecs_service\.this desired_count: lifecycle ignore_changes/);
      assert.equal(readFileSync(join(stack.dir, 'terraform.tfstate'), 'utf8'), before, 'a refresh-only plan is never applied');
      // drift.yml's report job, fed this run's status and report, opens the drift issue with the report in it.
      const calls = await runDriftReportJob(result.code, result.stdout);
      const created = calls.find((call) => call.method === 'issues.create');
      assert.match(String(created?.params.body), /aws_cloudwatch_log_group\.app \(update\)\n {6}retention_in_days/);
    });

    assert.deepEqual(aws.unknown, [], 'the provider called an operation the fake does not implement');
  });

  await Promise.all([deploys, workflowAndDrift]);
});
