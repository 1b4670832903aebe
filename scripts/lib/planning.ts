// The steps plan, deploy and drift share: pre-flight and init the root, save a plan, checksum it, read it back.
import { writePlanChecksum } from './plan-file.ts';
import { readPlan, type PlanSummary } from './plan-reader.ts';
import { backendFor, checkRoot, deployedImageTag, usesAwsProvider, writeBackendFromBootstrap } from './terraform-root.ts';
import type { TerraformTarget } from './options.ts';
import { shouldColour } from './plan-render.ts';
import { requirePreflight } from './preflight.ts';
import { createTerraform, type PlanOutcome, type Terraform } from './terraform.ts';

export interface ReadyOptions {
  /** deploy builds and pushes an image: docker and the aws CLI are needed too. */
  readonly building?: boolean;
  /** Prints a line for the user, prefixed with the command's name. */
  readonly note: (line: string) => void;
}

/**
 * Terraform for `target`'s root, ready to plan: the root checked, every pre-flight blocker listed at once (Terraform
 * version, AWS credentials when Terraform or the push needs them, backend.hcl, docker when building), backend.hcl
 * written from the bootstrap when asked, then `init`.
 */
export async function readyTerraform(target: TerraformTarget, options: ReadyOptions): Promise<Terraform> {
  checkRoot(target.terraformDir);
  const building = options.building ?? false;
  await requirePreflight(
    {
      building,
      needsAwsCredentials: building || usesAwsProvider(target.terraformDir),
      terraformDir: target.terraformDir,
      writesBackend: target.backendFromBootstrap,
    },
    options.note,
  );
  if (target.backendFromBootstrap) await writeBackendFromBootstrap(target.terraformDir, options.note);
  const terraform = createTerraform({ dir: target.terraformDir, color: shouldColour(process.stderr) });
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
  /** Plan only these resources (and what they depend on), e.g. the ECR repository before the first push. */
  readonly targets?: readonly string[];
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
    targets: options.targets ?? [],
  });
  const sha256 = writePlanChecksum(options.out);
  const summary = readPlan(await terraform.showJson(options.out));
  return { outcome, summary, sha256 };
}
