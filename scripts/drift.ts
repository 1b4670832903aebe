// `npm run drift`: a refresh-only plan; exit 0 no drift, 2 drift (each drifted resource and attribute listed), 1 error.
// Replaces driftctl (unmaintained since 2023): a refresh-only plan's resource_drift, read attribute by attribute.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { buildDriftReport, hasDrift, type DriftReport } from './lib/drift-report.ts';
import { DEFAULT_TERRAFORM_DIR, parseFormat, TERRAFORM_FLAGS, terraformTarget, type TerraformTarget } from './lib/options.ts';
import { readyTerraform, savePlan } from './lib/planning.ts';
import { renderDriftMarkdown, renderDriftText, type Format } from './lib/plan-render.ts';
import { readIgnoreChanges } from './lib/terraform-config.ts';

const USAGE = `Usage: npm run drift -- [options]

Compares the real infrastructure with the Terraform state (terraform plan -refresh-only) and lists every
resource changed outside Terraform with the attributes that changed (names only: values may be secrets).
Not drift, and listed apart with the reason: attributes a resource names in lifecycle { ignore_changes }
(desired_count after autoscaling), and values a refresh only rewrote (unset read back as empty, reformatted
JSON). Nothing is applied.

Options:
  --format text|markdown  report format (default: text; markdown for a GitHub job summary)
  --image-tag <tag>       image_tag to evaluate the configuration with (default: the deployed one, from the state)
  --var-file <file>       pass a .tfvars file to terraform (repeatable)
  --terraform-dir <dir>   the Terraform root (default: ${DEFAULT_TERRAFORM_DIR}); init uses <dir>/backend.hcl if present
  --plugin-dir <dir>      install providers only from this directory (terraform init -plugin-dir)
  --backend-from-bootstrap  write a missing <dir>/backend.hcl from <dir>/bootstrap's backend_hcl output
  -h, --help              show this help

Exit status: 0 no drift, 2 drift, 1 error, 64 bad usage. The status comes from the changed attributes
that count, not from Terraform's exit code.
`;

export interface DriftOptions extends TerraformTarget {
  readonly format: Format;
}

export function parseDriftArgs(argv: string[]): DriftOptions | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    options: { format: { type: 'string' }, ...TERRAFORM_FLAGS },
  });
  const { values } = parsed;
  if (values.help === true) return 'help';
  return { ...terraformTarget(values), format: parseFormat(values.format) };
}

const note = (line: string): void => {
  process.stderr.write(`drift: ${line}\n`);
};

export async function drift(options: DriftOptions): Promise<DriftReport> {
  const terraform = await readyTerraform(options, { note });
  const ignoreRules = await readIgnoreChanges(options.terraformDir);
  // The refresh-only plan is only read, never applied: keep it out of the working tree (plans can hold secrets).
  const scratch = mkdtempSync(join(tmpdir(), 'drift-'));
  try {
    const saved = await savePlan(terraform, {
      dir: options.terraformDir,
      out: join(scratch, 'drift.tfplan'),
      varFiles: options.varFiles,
      ...(options.imageTag === undefined ? {} : { imageTag: options.imageTag }),
      refreshOnly: true,
      note,
    });
    return buildDriftReport(saved.summary, ignoreRules);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parseDriftArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = await drift(options);
  process.stdout.write(options.format === 'markdown' ? renderDriftMarkdown(report) : renderDriftText(report));
  // Not Terraform's exit code: a refresh-only plan exits 2 for ignore_changes attributes and normalised values too.
  return hasDrift(report) ? 2 : 0;
}

if (isEntryPoint(import.meta.url)) await runCli('drift', main);
