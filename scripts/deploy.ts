// `npm run deploy`: pre-flight, build + push the image, plan (or verify a saved plan), confirm, apply, wait for health, smoke.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPackageJson } from '../lib/package-info.ts';
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { canPrompt, confirm } from './lib/confirm.ts';
import { parseEcrRepositoryUrl, regionFor } from './lib/ecr.ts';
import { ExitError, UsageError } from './lib/errors.ts';
import { readGitState, type GitState } from './lib/git.ts';
import { waitForHealthyCommit, type HealthProgress } from './lib/health-wait.ts';
import { buildImage, imageReference, loginToEcr, pushImage } from './lib/image.ts';
import { checkImageTag, DEFAULT_TERRAFORM_DIR, parsePositiveSeconds, TERRAFORM_FLAGS, terraformTarget, type TerraformTarget } from './lib/options.ts';
import { verifyPlanChecksum } from './lib/plan-file.ts';
import { readPlan, type PlanSummary } from './lib/plan-reader.ts';
import { renderText, shouldColour } from './lib/plan-render.ts';
import { readyTerraform, savePlan } from './lib/planning.ts';
import { printSmokeResults, runSmokeChecks } from './lib/smoke-checks.ts';
import { outputTargets } from './lib/terraform-config.ts';
import { MINIMUM_TERRAFORM_VERSION, stringOutput, type OutputValue, type Terraform } from './lib/terraform.ts';

/** A rolling ECS deploy: new tasks start, pass ALB health checks, then old ones drain; 15 min covers a slow one. */
const DEFAULT_HEALTH_TIMEOUT_S = 900;
const DEFAULT_HEALTH_INTERVAL_S = 10;
/** Fargate's default cpu_architecture is X86_64. */
const DEFAULT_PLATFORM = 'linux/amd64';
/** The root output the image is pushed to; on a first deploy, what it refers to is created before the build. */
const REGISTRY_OUTPUT = 'ecr_repository_url';

const USAGE = `Usage: npm run deploy -- [options]

1. pre-flight, every blocker on its own line: terraform >= ${MINIMUM_TERRAFORM_VERSION}; docker and the aws CLI when building;
   AWS credentials when building or when the Terraform root uses the aws provider; backend.hcl;
2. unless --skip-build, --image-tag or --plan-file: build the image tagged with the git commit (a dirty
   tree is refused unless --allow-dirty), log in to ECR, push. On a first deploy (no ecr_repository_url
   in the state yet) the repository is planned, shown, confirmed and applied on its own before the build;
3. plan, or take --plan-file after checking its sha256 (written by \`npm run plan\`);
4. print the summary; destructive changes stop unless --allow-destroy (a new task definition revision is
   routine, not destructive); ask for confirmation on a terminal, refuse elsewhere unless --auto-approve;
5. terraform apply of exactly that saved plan;
6. wait for <service_url>/health to report the deployed image tag as its commit, then run the smoke checks.

Rollback: npm run deploy -- --image-tag <an earlier tag still in ECR>.

Options:
  --image-tag <tag>          deploy an image already in ECR (no build)
  --skip-build               no build; plan with the deployed image tag (or the one fixed in --plan-file)
  --plan-file <file>         apply this saved plan (checked against <file>.sha256) instead of planning
  --auto-approve             apply without asking (required when not on a terminal)
  --allow-destroy            allow deletes and replacements (new task definition revisions need no flag)
  --allow-dirty              build from a working tree with uncommitted changes
  --var-file <file>          pass a .tfvars file to terraform plan (repeatable)
  --platform <os/arch>       docker build platform (default: from the cpu_architecture output, else ${DEFAULT_PLATFORM})
  --health-timeout <s>       how long to wait for /health to report the new commit (default: ${DEFAULT_HEALTH_TIMEOUT_S})
  --health-interval <s>      pause between /health attempts (default: ${DEFAULT_HEALTH_INTERVAL_S})
  --terraform-dir <dir>      the Terraform root (default: ${DEFAULT_TERRAFORM_DIR}); init uses <dir>/backend.hcl if present
  --plugin-dir <dir>         install providers only from this directory (terraform init -plugin-dir)
  --backend-from-bootstrap   write a missing <dir>/backend.hcl from <dir>/bootstrap's backend_hcl output
  -h, --help                 show this help

Exit status: 0 deployed and healthy, 1 refused or failed (the reason is the last line), 64 bad usage.
`;

/** `imageTag` undefined with build = true means "the git commit". */
export interface DeployOptions extends TerraformTarget {
  readonly build: boolean;
  readonly planFile?: string;
  readonly autoApprove: boolean;
  readonly allowDestroy: boolean;
  readonly allowDirty: boolean;
  readonly platform?: string;
  readonly healthTimeoutMs: number;
  readonly healthIntervalMs: number;
}

export function parseDeployArgs(argv: string[]): DeployOptions | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      ...TERRAFORM_FLAGS,
      'skip-build': { type: 'boolean' },
      'plan-file': { type: 'string' },
      'auto-approve': { type: 'boolean' },
      'allow-destroy': { type: 'boolean' },
      'allow-dirty': { type: 'boolean' },
      platform: { type: 'string' },
      'health-timeout': { type: 'string' },
      'health-interval': { type: 'string' },
    },
  });
  const { values } = parsed;
  if (values.help === true) return 'help';
  const imageTag = checkImageTag(values['image-tag']);
  const planFile = values['plan-file'];
  if (planFile !== undefined && imageTag !== undefined) throw new UsageError('--image-tag cannot be combined with --plan-file: the saved plan already fixes the image tag');
  if (planFile !== undefined && values['var-file'] !== undefined) throw new UsageError('--var-file cannot be combined with --plan-file: variables were fixed when the plan was saved');
  const timeoutMs = parsePositiveSeconds(values['health-timeout'], '--health-timeout', DEFAULT_HEALTH_TIMEOUT_S) * 1000;
  const intervalMs = parsePositiveSeconds(values['health-interval'], '--health-interval', DEFAULT_HEALTH_INTERVAL_S) * 1000;
  return {
    ...terraformTarget(values),
    build: values['skip-build'] !== true && imageTag === undefined && planFile === undefined,
    ...(planFile === undefined ? {} : { planFile }),
    autoApprove: values['auto-approve'] === true,
    allowDestroy: values['allow-destroy'] === true,
    allowDirty: values['allow-dirty'] === true,
    ...(values.platform === undefined ? {} : { platform: values.platform }),
    healthTimeoutMs: timeoutMs,
    healthIntervalMs: Math.min(intervalMs, timeoutMs),
  };
}

const say = (line: string): void => {
  process.stderr.write(`deploy: ${line}\n`);
};

function platformFor(outputs: Record<string, OutputValue>, requested: string | undefined): string {
  if (requested !== undefined) return requested;
  return stringOutput(outputs, 'cpu_architecture') === 'ARM64' ? 'linux/arm64' : DEFAULT_PLATFORM;
}

/** The image's version label: package.json's version, which the service also reports; without one it would not start. */
function packageVersion(root: string): string {
  try {
    return readPackageJson(join(root, 'package.json')).version;
  } catch (error) {
    throw new ExitError(1, `cannot build: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The commit to build, refusing a tree with uncommitted changes (the image would not match it) unless --allow-dirty. */
async function cleanCommit(options: DeployOptions): Promise<GitState> {
  const git = await readGitState();
  if (git.dirtyFiles.length > 0 && !options.allowDirty) {
    throw new ExitError(
      1,
      `the working tree has ${git.dirtyFiles.length} uncommitted change(s) (${git.dirtyFiles.slice(0, 3).map((l) => l.trim()).join(', ')}…); the image would not match commit ${git.commit.slice(0, 12)}: commit them, or pass --allow-dirty`,
    );
  }
  return git;
}

/** Step 2 on a first deploy: what the image push needs (the ECR repository) is planned, shown, confirmed and applied alone. */
async function createRegistry(terraform: Terraform, options: DeployOptions, planFile: string, imageTag: string): Promise<void> {
  const targets = await outputTargets(options.terraformDir, REGISTRY_OUTPUT);
  if (targets === undefined) throw new ExitError(1, `${options.terraformDir} has no ${REGISTRY_OUTPUT} output to push the image to`);
  if (targets.length === 0) {
    throw new ExitError(1, `the state has no ${REGISTRY_OUTPUT} yet and that output refers to no resource to create first; apply its repository with terraform -target, then deploy`);
  }
  say(`first deploy: the state has no ${REGISTRY_OUTPUT} yet, so ${targets.join(', ')} is created on its own first; then the image is built and pushed, and the rest applied`);
  const saved = await savePlan(terraform, { dir: options.terraformDir, out: planFile, varFiles: options.varFiles, imageTag, targets, note: say });
  process.stdout.write(renderText(saved.summary, { colour: shouldColour(process.stdout) }));
  if (!saved.summary.hasChanges) return;
  await approve(saved.summary, options);
  say(`applying ${planFile} (${targets.join(', ')} only)`);
  await terraform.apply(planFile);
}

/** Step 2: builds and pushes <ecr_repository_url>:<git commit>; returns the tag. */
async function buildAndPush(options: DeployOptions, outputs: Record<string, OutputValue>, git: GitState): Promise<string> {
  const repositoryUrl = stringOutput(outputs, REGISTRY_OUTPUT);
  if (repositoryUrl === undefined) throw new ExitError(1, `the state has no ${REGISTRY_OUTPUT} output after creating the repository`);
  const repository = parseEcrRepositoryUrl(repositoryUrl);
  const region = regionFor(repository);
  if (region !== repository.region) say(`warning: logging in to ECR in ${region} (AWS_REGION) but the repository is in ${repository.region}`);
  const tag = git.commit;
  say(`building ${imageReference(repository, tag)}`);
  await buildImage({
    repository,
    tag,
    context: git.root,
    version: packageVersion(git.root),
    revision: git.commit,
    platform: platformFor(outputs, options.platform),
  });
  say(`logging in to ${repository.registryHost}`);
  await loginToEcr(repository);
  say(`pushing ${imageReference(repository, tag)}`);
  await pushImage(repository, tag);
  return tag;
}

/** Step 3 with --plan-file: the file must be byte-for-byte the one `npm run plan` wrote and checksummed. */
async function reviewedPlan(terraform: Terraform, planFile: string): Promise<PlanSummary> {
  const check = verifyPlanChecksum(planFile);
  switch (check.kind) {
    case 'missing-plan':
      throw new ExitError(1, `plan file ${planFile} does not exist; create it with npm run plan -- --out ${planFile}`);
    case 'missing-checksum':
      throw new ExitError(1, `${check.checksumFile} not found: only plans saved by npm run plan (which writes it) are applied`);
    case 'malformed-checksum':
      throw new ExitError(1, `${check.checksumFile} does not start with a sha256 hex digest; re-run npm run plan`);
    case 'mismatch':
      throw new ExitError(1, `plan file ${planFile} does not match its sha256 (expected ${check.expected}, got ${check.actual}): it changed after review; re-run npm run plan`);
    case 'ok':
      say(`plan file ${planFile} matches its sha256 ${check.sha256}`);
      return readPlan(await terraform.showJson(planFile));
  }
}

/** Step 4: destructive changes and confirmation. Throws to refuse. */
async function approve(summary: PlanSummary, options: DeployOptions): Promise<void> {
  if (summary.destructive.length > 0 && !options.allowDestroy) {
    throw new ExitError(1, `refusing to apply ${summary.destructive.length} destructive change(s) (${summary.destructive.map((c) => `${c.action} ${c.address}`).join(', ')}); review them and re-run with --allow-destroy`);
  }
  if (options.autoApprove) return;
  if (!canPrompt()) throw new ExitError(1, 'refusing to apply without confirmation: not running on a terminal; pass --auto-approve');
  if (!(await confirm('Apply this plan?'))) throw new ExitError(1, 'not applied: confirmation declined');
}

function progressPrinter(url: string, commit: string): (progress: HealthProgress) => void {
  const onTerminal = process.stderr.isTTY === true;
  return (progress) => {
    const line = `deploy: waiting for ${url}/health to report commit ${commit}: ${Math.round(progress.elapsedMs / 1000)} s, ${progress.attempts} attempt(s), last: ${progress.lastStatus}`;
    // On a terminal one line is rewritten in place; in CI logs every attempt gets its own line.
    process.stderr.write(onTerminal ? `\r\u001b[K${line}` : `${line}\n`);
  };
}

/** Step 6: the new tasks are in service and the public endpoint passes the smoke checks. */
async function verifyService(terraform: Terraform, expectedCommit: string | undefined, options: DeployOptions): Promise<void> {
  const outputs = await terraform.outputJson();
  const serviceUrl = stringOutput(outputs, 'service_url');
  if (serviceUrl === undefined) throw new ExitError(1, 'applied, but the state has no service_url output to check');
  if (expectedCommit === undefined) {
    say('the plan sets no image_tag variable, so there is no commit to wait for; running the smoke checks');
  } else {
    const result = await waitForHealthyCommit({
      serviceUrl,
      expectedCommit,
      timeoutMs: options.healthTimeoutMs,
      intervalMs: options.healthIntervalMs,
      onProgress: progressPrinter(serviceUrl, expectedCommit),
    });
    if (process.stderr.isTTY === true) process.stderr.write('\n');
    if (result.kind === 'timed-out') {
      const cluster = stringOutput(outputs, 'cluster_name') ?? '<cluster>';
      const service = stringOutput(outputs, 'service_name') ?? '<service>';
      throw new ExitError(
        1,
        `applied, but ${serviceUrl}/health did not report commit ${expectedCommit} within ${Math.round(options.healthTimeoutMs / 1000)} s (${result.attempts} attempt(s), last: ${result.lastStatus}); see \`aws ecs describe-services --cluster ${cluster} --services ${service}\` (events) and the service logs`,
      );
    }
    say(`${serviceUrl}/health reports commit ${expectedCommit} after ${Math.round(result.elapsedMs / 1000)} s`);
  }
  const checks = await runSmokeChecks({ url: serviceUrl, ...(expectedCommit === undefined ? {} : { expectCommit: expectedCommit }) });
  printSmokeResults(serviceUrl, checks, say);
  if (!checks.every((check) => check.ok)) throw new ExitError(1, 'applied, but the smoke checks failed (see above)');
}

/** Steps 2 (build) and 3 (plan) without --plan-file; returns the saved plan's summary. */
async function buildAndPlan(terraform: Terraform, options: DeployOptions, scratch: string, planFile: string): Promise<PlanSummary> {
  let imageTag = options.imageTag;
  if (options.build) {
    const git = await cleanCommit(options);
    let outputs = await terraform.outputJson();
    if (stringOutput(outputs, REGISTRY_OUTPUT) === undefined) {
      await createRegistry(terraform, options, join(scratch, 'registry.tfplan'), git.commit);
      outputs = await terraform.outputJson();
    }
    imageTag = await buildAndPush(options, outputs, git);
  }
  const saved = await savePlan(terraform, {
    dir: options.terraformDir,
    out: planFile,
    varFiles: options.varFiles,
    ...(imageTag === undefined ? {} : { imageTag }),
    note: say,
  });
  return saved.summary;
}

export async function deploy(options: DeployOptions): Promise<void> {
  const terraform = await readyTerraform(options, { building: options.build, note: say });
  const scratch = mkdtempSync(join(tmpdir(), 'deploy-'));
  try {
    let planFile = options.planFile;
    let summary: PlanSummary;
    if (planFile !== undefined) {
      summary = await reviewedPlan(terraform, planFile);
    } else {
      planFile = join(scratch, 'deploy.tfplan');
      summary = await buildAndPlan(terraform, options, scratch, planFile);
    }

    process.stdout.write(renderText(summary, { colour: shouldColour(process.stdout) }));
    const imageTag = summary.variables.image_tag;
    const expectedCommit = typeof imageTag === 'string' ? imageTag : undefined;
    if (summary.hasChanges) {
      await approve(summary, options);
      say(`applying ${planFile}`);
      await terraform.apply(planFile);
    } else {
      say('nothing to apply; checking the running service');
    }
    await verifyService(terraform, expectedCommit, options);
    say(expectedCommit === undefined ? 'done' : `done: ${expectedCommit} is live`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parseDeployArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  await deploy(options);
  return 0;
}

if (isEntryPoint(import.meta.url)) await runCli('deploy', main);
