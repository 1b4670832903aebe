// `npm run plan`: init, save a plan file (+ its sha256), print the summary. Exit 0 no changes, 2 changes, 1 error.
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { DEFAULT_TERRAFORM_DIR, parseFormat, TERRAFORM_FLAGS, terraformTarget, type TerraformTarget } from './lib/options.ts';
import { readyTerraform, savePlan, type SavedPlan } from './lib/planning.ts';
import { renderMarkdown, renderText, shouldColour, type Format } from './lib/plan-render.ts';
import { MINIMUM_TERRAFORM_VERSION } from './lib/terraform.ts';

const USAGE = `Usage: npm run plan -- [options]

Runs terraform init and plan, saves the plan to a file with a sha256 next to it (<file>.sha256) so
\`npm run deploy -- --plan-file <file>\` applies exactly what was reviewed, and prints a summary on stdout.
Terraform's own output goes to stderr.

Options:
  --out <file>            where to save the plan (default: tfplan)
  --image-tag <tag>       plan with this image_tag (default: keep the deployed one, from the state)
  --var-file <file>       pass a .tfvars file to terraform (repeatable)
  --format text|markdown  summary format (default: text; markdown for a GitHub job summary)
  --terraform-dir <dir>   the Terraform root (default: ${DEFAULT_TERRAFORM_DIR}); init uses <dir>/backend.hcl if present
  --plugin-dir <dir>      install providers only from this directory (terraform init -plugin-dir)
  --backend-from-bootstrap  write a missing <dir>/backend.hcl from <dir>/bootstrap's backend_hcl output
  -h, --help              show this help

Pre-flight: terraform >= ${MINIMUM_TERRAFORM_VERSION}, AWS credentials when the root uses the aws provider, backend.hcl; every
blocker is listed on its own line.

Exit status: 0 no changes, 2 changes present, 1 error, 64 bad usage (as terraform plan -detailed-exitcode).
`;

export interface PlanCommandOptions extends TerraformTarget {
  readonly out: string;
  readonly format: Format;
}

export function parsePlanArgs(argv: string[]): PlanCommandOptions | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    options: { out: { type: 'string' }, format: { type: 'string' }, ...TERRAFORM_FLAGS },
  });
  const { values } = parsed;
  if (values.help === true) return 'help';
  return { ...terraformTarget(values), out: values.out ?? 'tfplan', format: parseFormat(values.format) };
}

const note = (line: string): void => {
  process.stderr.write(`plan: ${line}\n`);
};

export async function plan(options: PlanCommandOptions): Promise<SavedPlan> {
  const terraform = await readyTerraform(options, { note });
  return savePlan(terraform, {
    dir: options.terraformDir,
    out: options.out,
    varFiles: options.varFiles,
    ...(options.imageTag === undefined ? {} : { imageTag: options.imageTag }),
    note,
  });
}

export function printPlan(saved: SavedPlan, options: PlanCommandOptions): void {
  const summary = options.format === 'markdown' ? renderMarkdown(saved.summary) : renderText(saved.summary, { colour: shouldColour(process.stdout) });
  process.stdout.write(summary);
  process.stderr.write(`plan: saved ${options.out} (sha256 ${saved.sha256}); apply it with: npm run deploy -- --plan-file ${options.out} --skip-build\n`);
}

async function main(argv: string[]): Promise<number> {
  const options = parsePlanArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const saved = await plan(options);
  printPlan(saved, options);
  return saved.outcome.kind === 'changes' ? 2 : 0;
}

if (isEntryPoint(import.meta.url)) await runCli('plan', main);
