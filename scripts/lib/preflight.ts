// Pre-flight checks before plan, deploy or drift touch anything: tools, AWS credentials, backend.hcl. One line per failure.
import { ExitError } from './errors.ts';
import { AWS_CLI, DOCKER } from './image.ts';
import { runProcess, type RunResult, type Runner } from './process.ts';
import { backendStatus, missingBackendMessage } from './terraform-root.ts';
import { isSupportedVersion, MINIMUM_TERRAFORM_VERSION, TERRAFORM } from './terraform.ts';

export interface PreflightOptions {
  /** docker and the aws CLI are needed to build and push. */
  readonly building: boolean;
  /** AWS credentials are needed to push, or when Terraform itself talks to AWS. */
  readonly needsAwsCredentials: boolean;
  /** The root whose backend.hcl must exist when it has a remote backend to configure; omitted: not checked. */
  readonly terraformDir?: string;
  /** backend.hcl is about to be written from the bootstrap's output, so a missing one is not a blocker. */
  readonly writesBackend?: boolean;
  readonly run?: Runner;
  readonly env?: NodeJS.ProcessEnv;
}

const CHECK_TIMEOUT_MS = 60_000;

function lastLine(result: RunResult): string {
  if (result.kind !== 'exited') return result.kind;
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').pop() ?? '';
  return text === '' ? `exit ${result.code}` : text;
}

/** Returns the failures (empty when everything is in place), so the user sees them all at once. */
export async function preflight(options: PreflightOptions): Promise<string[]> {
  const run = options.run ?? runProcess;
  const quiet = { env: options.env ?? process.env, timeoutMs: CHECK_TIMEOUT_MS };
  const failures: string[] = [];

  const terraform = await run('terraform', ['version', '-json'], quiet);
  if (terraform.kind === 'not-found') failures.push(`terraform not found on PATH; ${TERRAFORM.installHint}`);
  else if (terraform.kind !== 'exited' || terraform.code !== 0) failures.push(`terraform version failed (${lastLine(terraform)}); reinstall Terraform >= ${MINIMUM_TERRAFORM_VERSION}`);
  else {
    const version = /"terraform_version"\s*:\s*"([^"]+)"/.exec(terraform.stdout)?.[1] ?? 'unknown';
    if (!isSupportedVersion(version)) failures.push(`terraform ${version} is too old; ${TERRAFORM.installHint}`);
  }

  if (options.building) {
    const docker = await run('docker', ['version', '--format', '{{.Server.Version}}'], quiet);
    if (docker.kind === 'not-found') failures.push(`docker not found on PATH; ${DOCKER.installHint}`);
    else if (docker.kind !== 'exited' || docker.code !== 0) failures.push(`docker cannot reach its daemon (${lastLine(docker)}); start Docker and retry`);
  }

  if (options.building || options.needsAwsCredentials) {
    const identity = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], quiet);
    // Pushing needs the aws CLI (ECR login); Terraform alone does not, so without it the credentials are left to
    // Terraform's own check rather than made a blocker.
    if (identity.kind === 'not-found') {
      if (options.building) failures.push(`aws not found on PATH; ${AWS_CLI.installHint}`);
    } else if (identity.kind !== 'exited' || identity.code !== 0) {
      failures.push(`AWS credentials are not usable (aws sts get-caller-identity: ${lastLine(identity)}); run \`aws sso login\` or set AWS_PROFILE / AWS_ACCESS_KEY_ID`);
    }
  }

  if (options.terraformDir !== undefined && options.writesBackend !== true && backendStatus(options.terraformDir) === 'missing') {
    failures.push(missingBackendMessage(options.terraformDir));
  }
  return failures;
}

/** Runs the checks, prints each failure as "pre-flight: …", and stops with one summary line when any failed. */
export async function requirePreflight(options: PreflightOptions, note: (line: string) => void): Promise<void> {
  const failures = await preflight(options);
  if (failures.length === 0) return;
  for (const failure of failures) note(`pre-flight: ${failure}`);
  throw new ExitError(1, `${failures.length} pre-flight check(s) failed; nothing was changed`);
}
