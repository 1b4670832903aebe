// Flag checks shared by the commands: --format, --var-file, --terraform-dir, --backend-from-bootstrap and positive numbers.
import { existsSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { IMAGE_TAG_FORM, isImageTag } from '../../lib/image-tag.ts';
import { UsageError } from './errors.ts';
import { FORMATS, type Format } from './plan-render.ts';

export const DEFAULT_TERRAFORM_DIR = 'terraform';

export function parseFormat(raw: string | undefined): Format {
  const format = raw ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  return format as Format;
}

export function checkVarFiles(files: readonly string[] | undefined): string[] {
  const checked = [...(files ?? [])];
  for (const file of checked) {
    if (!existsSync(file)) throw new UsageError(`--var-file ${file} does not exist`);
  }
  return checked;
}

/** The rule the Terraform root's image_tag validation enforces, so a bad tag stops here rather than at plan. */
export function checkImageTag(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  if (!isImageTag(tag)) throw new UsageError(`--image-tag ${JSON.stringify(tag)} is not a valid image tag: expected ${IMAGE_TAG_FORM}`);
  return tag;
}

export function parsePositiveSeconds(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0) throw new UsageError(`${flag} must be a positive number of seconds; got ${JSON.stringify(raw)}`);
  return value;
}

/** The flags of every command that drives Terraform (plan, deploy, drift), spread into its parseArgs options. */
export const TERRAFORM_FLAGS = {
  'image-tag': { type: 'string' },
  'var-file': { type: 'string', multiple: true },
  'terraform-dir': { type: 'string' },
  'plugin-dir': { type: 'string' },
  'backend-from-bootstrap': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Which root a command runs Terraform in, and with which image tag, variable files and provider mirror. */
export interface TerraformTarget {
  readonly terraformDir: string;
  readonly imageTag?: string;
  readonly varFiles: readonly string[];
  readonly pluginDir?: string;
  /** Write a missing <dir>/backend.hcl from the bootstrap's backend_hcl output before init. */
  readonly backendFromBootstrap: boolean;
}

/** Checks the parsed TERRAFORM_FLAGS values and fills in the defaults. */
export function terraformTarget(values: {
  readonly 'image-tag'?: string | undefined;
  readonly 'var-file'?: string[] | undefined;
  readonly 'terraform-dir'?: string | undefined;
  readonly 'plugin-dir'?: string | undefined;
  readonly 'backend-from-bootstrap'?: boolean | undefined;
}): TerraformTarget {
  const imageTag = checkImageTag(values['image-tag']);
  return {
    terraformDir: values['terraform-dir'] ?? DEFAULT_TERRAFORM_DIR,
    ...(imageTag === undefined ? {} : { imageTag }),
    varFiles: checkVarFiles(values['var-file']),
    ...(values['plugin-dir'] === undefined ? {} : { pluginDir: values['plugin-dir'] }),
    backendFromBootstrap: values['backend-from-bootstrap'] === true,
  };
}
