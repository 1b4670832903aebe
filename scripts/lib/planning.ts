// The steps plan, deploy and drift share: init the root, save a plan, checksum it, read it back as a summary.
import { ExitError } from './errors.ts';
import { writePlanChecksum } from './plan-file.ts';
import { readPlan, type PlanSummary } from './plan-reader.ts';
import { backendFor, checkRoot, deployedImageTag } from './terraform-root.ts';
import type { TerraformTarget } from './options.ts';
import { shouldColour } from './plan-render.ts';
import { createTerraform, isSupportedVersion, MINIMUM_TERRAFORM, type PlanOutcome, type Terraform } from './terraform.ts';

/** Checks the root directory, then that terraform is new enough; returns the version. */
export async function checkTerraformVersion(terraform: Terraform, dir: string): Promise<string> {
  checkRoot(dir);
  const version = await terraform.version();
  if (!isSupportedVersion(version)) {
    throw new ExitError(1, `terraform ${version} is too old; install Terraform >= ${MINIMUM_TERRAFORM.major}.${MINIMUM_TERRAFORM.minor}`);
  }
  return version;
}

/** Terraform for `target`'s root, ready to plan: the root and the binary's version checked, then `init`. */
export async function readyTerraform(target: TerraformTarget): Promise<Terraform> {
  const terraform = createTerraform({ dir: target.terraformDir, color: shouldColour(process.stderr) });
  await checkTerraformVersion(terraform, target.terraformDir);
  await initRoot(terraform, target.terraformDir, target.pluginDir);
  return terraform;
}

export async function initRoot(terraform: Terraform, dir: string, pluginDir: string | undefined): Promise<void> {
  const backend = backendFor(dir);
  await terraform.init(pluginDir === undefined ? { backend } : { backend, pluginDir });
}

export interface SavePlanOptions {
  readonly dir: string;
  readonly out: string;
  readonly varFiles: readonly string[];
  readonly imageTag?: string;
  readonly refreshOnly?: boolean;
  /** Called with a note for the user (e.g. which image tag was reused), printed by the caller. */
  readonly note?: (line: string) => void;
}

export interface SavedPlan {
  readonly outcome: PlanOutcome;
  readonly summary: PlanSummary;
  readonly sha256: string;
}

/** Plans to `out` (never applying), writes `<out>.sha256`, and reads the plan back through `terraform show -json`. */
export async function savePlan(terraform: Terraform, options: SavePlanOptions): Promise<SavedPlan> {
  let imageTag = options.imageTag;
  if (imageTag === undefined) {
    imageTag = deployedImageTag(options.dir, await terraform.outputJson(), options.varFiles);
    if (imageTag !== undefined) options.note?.(`no --image-tag given: keeping the deployed image_tag ${imageTag} (from the state's image_tag output)`);
  }
  const outcome = await terraform.plan({
    out: options.out,
    varFiles: options.varFiles,
    vars: imageTag === undefined ? [] : [['image_tag', imageTag]],
    refreshOnly: options.refreshOnly ?? false,
  });
  const sha256 = writePlanChecksum(options.out);
  const summary = readPlan(await terraform.showJson(options.out));
  return { outcome, summary, sha256 };
}
