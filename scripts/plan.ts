// `npm run plan`: init, save a plan file (+ its sha256), print the summary. Exit 0 no changes, 2 changes, 1 error.
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { checkImageTag, checkVarFiles, DEFAULT_TERRAFORM_DIR, parseFormat } from './lib/options.ts';
import { checkTerraformVersion, initRoot, savePlan, type SavedPlan } from './lib/planning.ts';
import { renderMarkdown, renderText, shouldColour, type Format } from './lib/plan-render.ts';
import { createTerraform } from './lib/terraform.ts';

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
  -h, --help              show this help

Exit status: 0 no changes, 2 changes present, 1 error, 64 bad usage (as terraform plan -detailed-exitcode).
`;

export interface PlanCommandOptions {
  readonly terraformDir: string;
  readonly out: string;
  readonly imageTag?: string;
  readonly varFiles: readonly string[];
  readonly pluginDir?: string;
  readonly format: Format;
}

export function parsePlanArgs(argv: string[]): PlanCommandOptions | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      'image-tag': { type: 'string' },
      'var-file': { type: 'string', multiple: true },
      format: { type: 'string' },
      'terraform-dir': { type: 'string' },
      'plugin-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values } = parsed;
  if (values.help === true) return 'help';
  const imageTag = checkImageTag(values['image-tag']);
  return {
    terraformDir: values['terraform-dir'] ?? DEFAULT_TERRAFORM_DIR,
    out: values.out ?? 'tfplan',
    ...(imageTag === undefined ? {} : { imageTag }),
    varFiles: checkVarFiles(values['var-file']),
    ...(values['plugin-dir'] === undefined ? {} : { pluginDir: values['plugin-dir'] }),
    format: parseFormat(values.format),
  };
}

export async function plan(options: PlanCommandOptions): Promise<SavedPlan> {
  const terraform = createTerraform({ dir: options.terraformDir, color: shouldColour(process.stderr) });
  await checkTerraformVersion(terraform, options.terraformDir);
  await initRoot(terraform, options.terraformDir, options.pluginDir);
  return savePlan(terraform, {
    dir: options.terraformDir,
    out: options.out,
    varFiles: options.varFiles,
    ...(options.imageTag === undefined ? {} : { imageTag: options.imageTag }),
    note: (line) => process.stderr.write(`plan: ${line}\n`),
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
