// Test helper: finds terraform and the offline provider mirror, copies terraform/ to a temp dir, runs terraform with argument arrays.
import { accessSync, constants, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProcess } from '../../scripts/lib/process.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const TERRAFORM_DIR = path.join(REPO_ROOT, 'terraform');
export const LOCK_FILE_NAME = '.terraform.lock.hcl';
/** The project's CLI config: keeps ~/.terraformrc out of the tests. */
export const CLI_CONFIG_FILE = path.join(REPO_ROOT, 'test', 'terraform.rc');

const DEFAULT_TERRAFORM = '/usr/local/bin/terraform';
const DEFAULT_PLUGIN_DIR = '/opt/tf-plugins';
const PROVIDER_SOURCE = path.join('registry.terraform.io', 'hashicorp', 'aws');

export interface TerraformResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** TERRAFORM_BIN, else `terraform` on PATH, else /usr/local/bin/terraform; undefined when none is executable. */
export function findTerraform(): string | undefined {
  const candidates: string[] = [];
  if (process.env.TERRAFORM_BIN) candidates.push(process.env.TERRAFORM_BIN);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '') candidates.push(path.join(dir, 'terraform'));
  }
  candidates.push(DEFAULT_TERRAFORM);
  return candidates.find(isExecutable);
}

/** The hashicorp/aws version pinned in terraform/.terraform.lock.hcl. */
export function lockedProviderVersion(): string {
  const lock = readFileSync(path.join(TERRAFORM_DIR, LOCK_FILE_NAME), 'utf8');
  const match = /provider "registry\.terraform\.io\/hashicorp\/aws" \{\s*version\s*=\s*"([^"]+)"/.exec(lock);
  if (!match?.[1]) throw new Error(`${LOCK_FILE_NAME}: no hashicorp/aws version entry`);
  return match[1];
}

function platformDir(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return `${process.platform}_${arch}`;
}

/**
 * Where a mirror keeps the locked hashicorp/aws for this platform, in both layouts `-plugin-dir` and a filesystem
 * mirror accept: unpacked (a version/platform folder, as /opt/tf-plugins) and packed (the release zip, as
 * `terraform providers mirror` writes it, which CI's test job uses).
 */
function providerPaths(dir: string): [unpacked: string, packed: string] {
  const version = lockedProviderVersion();
  const source = path.join(dir, PROVIDER_SOURCE);
  return [path.join(source, version, platformDir()), path.join(source, `terraform-provider-aws_${version}_${platformDir()}.zip`)];
}

/** TF_PLUGIN_DIR or /opt/tf-plugins, when it holds the locked hashicorp/aws for this platform. */
export function findPluginDir(): string | undefined {
  const dir = process.env.TF_PLUGIN_DIR ?? DEFAULT_PLUGIN_DIR;
  return providerPaths(dir).some((candidate) => existsSync(candidate)) ? dir : undefined;
}

/** One line per missing prerequisite, naming exactly what is missing and where it was looked for. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (findTerraform() === undefined) {
    missing.push(`terraform binary (not on PATH, not at ${DEFAULT_TERRAFORM}; set TERRAFORM_BIN)`);
  }
  if (findPluginDir() === undefined) {
    const dir = process.env.TF_PLUGIN_DIR ?? DEFAULT_PLUGIN_DIR;
    const [unpacked, packed] = providerPaths(dir);
    missing.push(`provider mirror ${unpacked} or ${path.basename(packed)} beside it (set TF_PLUGIN_DIR)`);
  }
  return missing;
}

/**
 * Writes a Terraform CLI configuration that installs providers from the offline mirror only: what a CI runner's
 * plugin cache gives a command run without --plugin-dir (a plain `terraform init`). Returns the file.
 */
export function writeMirrorCliConfig(file: string, pluginDir: string): string {
  writeFileSync(file, `disable_checkpoint = true\nprovider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(pluginDir)}\n  }\n}\n`);
  return file;
}

/** Copies terraform/ (without .terraform/ dirs or state) to a fresh temp dir, so runs never write into the repo. */
export function copyTerraformTree(): string {
  const target = mkdtempSync(path.join(tmpdir(), 'terraform-test-'));
  cpSync(TERRAFORM_DIR, target, {
    recursive: true,
    filter: (source) => {
      const base = path.basename(source);
      return base !== '.terraform' && !base.endsWith('.tfstate') && !base.endsWith('.tfstate.backup') && base !== 'backend.hcl';
    },
  });
  return target;
}

/** The environment terraform runs with: no inherited TF_* settings, no checkpoint calls, the project's CLI config. */
function terraformEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TF_')) env[key] = value;
  }
  env.CHECKPOINT_DISABLE = '1';
  env.TF_CLI_CONFIG_FILE = CLI_CONFIG_FILE;
  env.TF_IN_AUTOMATION = '1';
  env.TF_INPUT = '0';
  return env;
}

/**
 * Runs terraform in `cwd` through the scripts' process runner (argument array, no shell) and collects its output;
 * `input` is its stdin (console). `code` is null when a signal stopped it.
 */
export async function runTerraform(args: readonly string[], cwd: string, input = ''): Promise<TerraformResult> {
  const terraform = findTerraform();
  if (terraform === undefined) throw new Error(missingPrerequisites().join('; '));
  const result = await runProcess(terraform, args, { cwd, env: terraformEnv(), input });
  if (result.kind === 'not-found') throw new Error(`${terraform} could not be started`);
  return { code: result.kind === 'exited' ? result.code : null, stdout: result.stdout, stderr: result.stderr };
}
