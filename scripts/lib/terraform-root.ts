// Facts about a Terraform root read from its files: how to init it, whether it uses AWS, whether it takes image_tag.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitError } from './errors.ts';
import { runProcess, type Runner } from './process.ts';
import type { InitOptions, OutputValue } from './terraform.ts';
import { createTerraform, stringOutput } from './terraform.ts';

export const BACKEND_CONFIG_FILE = 'backend.hcl';
export const BACKEND_CONFIG_EXAMPLE = 'backend.hcl.example';
/** The bootstrap root inside the main one (terraform/bootstrap); its backend_hcl output is backend.hcl's contents. */
const BOOTSTRAP_DIR = 'bootstrap';
const BACKEND_OUTPUT = 'backend_hcl';

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
 * present: backend.hcl holds the partial backend configuration. missing: the root has a remote backend that is not
 * configured yet (an example exists, backend.hcl does not). none: the root's own (local) backend.
 */
export function backendStatus(dir: string): 'present' | 'missing' | 'none' {
  if (existsSync(join(dir, BACKEND_CONFIG_FILE))) return 'present';
  return existsSync(join(dir, BACKEND_CONFIG_EXAMPLE)) ? 'missing' : 'none';
}

/** One line: which file is missing, the flag that writes it, and the command that does the same by hand. */
export function missingBackendMessage(dir: string): string {
  const bootstrap = join(dir, BOOTSTRAP_DIR);
  return `${join(dir, BACKEND_CONFIG_FILE)} not found; write it from the bootstrap's ${BACKEND_OUTPUT} output with --backend-from-bootstrap, or run: terraform -chdir=${bootstrap} output -raw ${BACKEND_OUTPUT} > ${join(dir, BACKEND_CONFIG_FILE)}`;
}

/** How to init: with backend.hcl when present, stopping with the fix when it is missing, else the root's own backend. */
export function backendFor(dir: string): InitOptions['backend'] {
  const status = backendStatus(dir);
  if (status === 'missing') throw new ExitError(1, missingBackendMessage(dir));
  return status === 'present' ? { configFile: join(dir, BACKEND_CONFIG_FILE) } : 'default';
}

/** --backend-from-bootstrap: writes <dir>/backend.hcl from the bootstrap state's backend_hcl output; never overwrites. */
export async function writeBackendFromBootstrap(dir: string, note: (line: string) => void, runner: Runner = runProcess): Promise<void> {
  const configFile = join(dir, BACKEND_CONFIG_FILE);
  if (existsSync(configFile)) {
    note(`${configFile} already exists; left as it is`);
    return;
  }
  const bootstrap = join(dir, BOOTSTRAP_DIR);
  if (!existsSync(bootstrap)) throw new ExitError(1, `--backend-from-bootstrap: ${bootstrap} does not exist; the bootstrap root is expected there`);
  const contents = stringOutput(await createTerraform({ dir: bootstrap, echo: false, runner }).outputJson(), BACKEND_OUTPUT);
  if (contents === undefined) {
    throw new ExitError(1, `the state of ${bootstrap} has no ${BACKEND_OUTPUT} output; apply the bootstrap first (docs/infrastructure.md)`);
  }
  writeFileSync(configFile, contents.endsWith('\n') ? contents : `${contents}\n`, { flag: 'wx' });
  note(`wrote ${configFile} from the bootstrap's ${BACKEND_OUTPUT} output`);
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
