// Facts about a Terraform root read from its files: how to init it, whether it uses AWS, whether it takes image_tag.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitError } from './errors.ts';
import type { InitOptions, OutputValue } from './terraform.ts';
import { stringOutput } from './terraform.ts';

export const BACKEND_CONFIG_FILE = 'backend.hcl';
export const BACKEND_CONFIG_EXAMPLE = 'backend.hcl.example';

function configurationText(dir: string): string {
  if (!existsSync(dir)) throw new ExitError(1, `Terraform directory ${dir} does not exist; pass --terraform-dir <root module>`);
  let text = '';
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.tf')) text += `${readFileSync(join(dir, name), 'utf8')}\n`;
  }
  if (text === '') throw new ExitError(1, `${dir} has no .tf files; pass --terraform-dir <root module>`);
  return text;
}

/** Fails early, with the flag to fix, when the directory is not a Terraform root. */
export function checkRoot(dir: string): void {
  configurationText(dir);
}

/**
 * backend.hcl present: partial backend configuration from it. Absent but an example exists: the root has a
 * remote backend that is not configured yet, so stop and say how. Neither: the root's own (local) backend.
 */
export function backendFor(dir: string): InitOptions['backend'] {
  const configFile = join(dir, BACKEND_CONFIG_FILE);
  if (existsSync(configFile)) return { configFile };
  if (existsSync(join(dir, BACKEND_CONFIG_EXAMPLE))) {
    throw new ExitError(
      1,
      `${configFile} not found; copy ${join(dir, BACKEND_CONFIG_EXAMPLE)} to it and fill in the state bucket (the bootstrap's state_bucket_name output)`,
    );
  }
  return 'default';
}

/** True when the root requires the AWS provider, so Terraform itself will need AWS credentials. */
export function usesAwsProvider(dir: string): boolean {
  return /hashicorp\/aws"|provider\s+"aws"|resource\s+"aws_/.test(configurationText(dir));
}

export function declaresVariable(dir: string, name: string): boolean {
  return new RegExp(`variable\\s+"${name}"`).test(configurationText(dir));
}

/**
 * The image tag to plan with when the caller gave none: the tag the state says is deployed (root output
 * `image_tag`), so an infrastructure-only plan does not roll the service. Undefined when there is nothing to reuse
 * or the caller already sets it another way (a var file, TF_VAR_image_tag).
 */
export function deployedImageTag(
  dir: string,
  outputs: Record<string, OutputValue>,
  varFiles: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.TF_VAR_image_tag !== undefined) return undefined;
  for (const file of varFiles) {
    if (/^\s*"?image_tag"?\s*[=:]/m.test(readFileSync(file, 'utf8'))) return undefined;
  }
  if (!declaresVariable(dir, 'image_tag')) return undefined;
  return stringOutput(outputs, 'image_tag');
}
