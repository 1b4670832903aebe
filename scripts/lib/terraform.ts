// Typed wrapper around the terraform CLI: init, plan, show -json, apply <planfile>, output -json.
import { isAbsolute, resolve } from 'node:path';
import { ExitError } from './errors.ts';
import { expectExit, runProcess, type Runner, type ToolDescription } from './process.ts';

/**
 * S3-native state locking (use_lockfile) is GA from 1.11. The one place the minimum is written in code: the
 * required_version of terraform/ and terraform/bootstrap/ must say the same (test/terraform-version.test.ts).
 */
export const MINIMUM_TERRAFORM = { major: 1, minor: 11 } as const;
/** "1.11", as messages and required_version write it. */
export const MINIMUM_TERRAFORM_VERSION = `${MINIMUM_TERRAFORM.major}.${MINIMUM_TERRAFORM.minor}`;
export const TERRAFORM: ToolDescription = { program: 'terraform', installHint: `install Terraform >= ${MINIMUM_TERRAFORM_VERSION}` };
/** How long plan/apply wait for another run's state lock before failing. */
const LOCK_TIMEOUT = '5m';

export interface TerraformOptions {
  /** The root module directory; terraform runs with it as cwd. */
  readonly dir: string;
  readonly runner?: Runner;
  /** Let Terraform colour its output (only when our stderr is a terminal). */
  readonly color?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Stream init/plan/apply output to our stderr as it happens (default true); tests turn it off. */
  readonly echo?: boolean;
}

export interface InitOptions {
  /** `-backend-config=<file>` (partial backend configuration), or false for `-backend=false`. */
  readonly backend: { readonly configFile: string } | false | 'default';
  /** `-plugin-dir`: install providers only from this directory (air-gapped or mirrored CI). */
  readonly pluginDir?: string;
}

export interface PlanOptions {
  readonly out: string;
  readonly vars?: ReadonlyArray<readonly [string, string]>;
  readonly varFiles?: readonly string[];
  readonly refreshOnly?: boolean;
  /** `-target=<address>` for each: plan only these resources and what they depend on. */
  readonly targets?: readonly string[];
}

/** `-detailed-exitcode`: 0 means nothing to do, 2 means changes (for refresh-only: drift). */
export type PlanOutcome = { readonly kind: 'no-changes' } | { readonly kind: 'changes' };

export interface OutputValue {
  readonly sensitive: boolean;
  readonly type: unknown;
  readonly value: unknown;
}

export interface Terraform {
  init(options: InitOptions): Promise<void>;
  plan(options: PlanOptions): Promise<PlanOutcome>;
  showJson(planFile: string): Promise<unknown>;
  apply(planFile: string): Promise<void>;
  outputJson(): Promise<Record<string, OutputValue>>;
}

/** Terraform resolves relative paths against its own cwd (the root); ours are relative to where the user stands. */
function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ExitError(1, `${what} did not print valid JSON (is a wrapper such as setup-terraform's terraform_wrapper on?)`);
  }
}

/** True when `version` ("1.11.4", "1.12.0-beta1") is at least MINIMUM_TERRAFORM. */
export function isSupportedVersion(version: string): boolean {
  const match = /^(\d+)\.(\d+)\./.exec(version);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > MINIMUM_TERRAFORM.major || (major === MINIMUM_TERRAFORM.major && minor >= MINIMUM_TERRAFORM.minor);
}

export function createTerraform(options: TerraformOptions): Terraform {
  const run = options.runner ?? runProcess;
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    // Trims "next steps" advice meant for humans at a prompt, and skips the HashiCorp version-check call.
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    TF_INPUT: '0',
  };
  const colorFlags = options.color === true ? [] : ['-no-color'];
  const live = { cwd: options.dir, env, echo: options.echo ?? true } as const;
  const quiet = { cwd: options.dir, env } as const;

  return {
    async init(init) {
      const args = ['init', '-input=false', ...colorFlags];
      if (init.backend === false) args.push('-backend=false');
      else if (init.backend !== 'default') args.push(`-backend-config=${absolute(init.backend.configFile)}`);
      if (init.pluginDir !== undefined) args.push(`-plugin-dir=${absolute(init.pluginDir)}`);
      expectExit(await run('terraform', args, live), TERRAFORM, 'terraform init', [0], { echoed: live.echo });
    },

    async plan(plan) {
      const args = ['plan', '-input=false', '-detailed-exitcode', `-lock-timeout=${LOCK_TIMEOUT}`, ...colorFlags];
      if (plan.refreshOnly === true) args.push('-refresh-only');
      for (const file of plan.varFiles ?? []) args.push(`-var-file=${absolute(file)}`);
      for (const [name, value] of plan.vars ?? []) args.push('-var', `${name}=${value}`);
      for (const target of plan.targets ?? []) args.push(`-target=${target}`);
      args.push(`-out=${absolute(plan.out)}`);
      const { code } = expectExit(await run('terraform', args, live), TERRAFORM, 'terraform plan', [0, 2], { echoed: live.echo });
      return code === 2 ? { kind: 'changes' } : { kind: 'no-changes' };
    },

    async showJson(planFile) {
      const result = expectExit(await run('terraform', ['show', '-json', absolute(planFile)], quiet), TERRAFORM, 'terraform show -json');
      return parseJson(result.stdout, 'terraform show -json');
    },

    async apply(planFile) {
      // A saved plan is applied exactly as reviewed: Terraform neither re-plans nor prompts (and refuses a stale plan).
      const args = ['apply', '-input=false', `-lock-timeout=${LOCK_TIMEOUT}`, ...colorFlags, absolute(planFile)];
      expectExit(await run('terraform', args, live), TERRAFORM, 'terraform apply', [0], { echoed: live.echo });
    },

    async outputJson() {
      const result = expectExit(await run('terraform', ['output', '-json'], quiet), TERRAFORM, 'terraform output -json');
      const parsed = parseJson(result.stdout, 'terraform output -json');
      if (parsed === null || typeof parsed !== 'object') throw new ExitError(1, 'terraform output -json did not print an object');
      return parsed as Record<string, OutputValue>;
    },
  };
}

/** A string output's value, or undefined when the state does not have it (yet). */
export function stringOutput(outputs: Record<string, OutputValue>, name: string): string | undefined {
  const value = outputs[name]?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
