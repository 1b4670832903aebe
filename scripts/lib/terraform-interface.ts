// A Terraform root's interface as its .tf files declare it: variables (type, default, description) and outputs, in file order.
import { existsSync } from 'node:fs';
import { ExitError } from './errors.ts';
import { instances, isBlock, parseTerraformFiles, type Block } from './terraform-files.ts';

export interface TerraformVariable {
  readonly name: string;
  /** The type expression as written (`list(string)`), or undefined when the variable declares none (any). */
  readonly type: string | undefined;
  /** Whether a default is declared: without one the variable is required. */
  readonly hasDefault: boolean;
  /** The default as hcl2json decodes it (null for `default = null`). */
  readonly default: unknown;
  readonly description: string;
  readonly sensitive: boolean;
}

export interface TerraformOutput {
  readonly name: string;
  readonly description: string;
  readonly sensitive: boolean;
}

export interface TerraformInterface {
  readonly variables: readonly TerraformVariable[];
  readonly outputs: readonly TerraformOutput[];
}

/** A labelled block's declaration: the first of the instances hcl2json writes for it. */
function firstInstance(value: unknown): Block {
  return instances(value)[0] ?? {};
}

/** The expression inside hcl2json's "${...}" wrapper, with its whitespace runs folded to one space. */
export function expressionText(raw: string): string {
  const match = /^\$\{([\s\S]*)\}$/.exec(raw.trim());
  return (match?.[1] ?? raw).replace(/\s+/g, ' ').trim();
}

/** hcl2json sorts block labels; the files' own order keeps related variables (task_cpu, task_memory) together. */
function declaredNames(source: string, kind: 'variable' | 'output'): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(new RegExp(`^[ \\t]*${kind}[ \\t]+"([^"]+)"`, 'gm'))) {
    if (match[1] !== undefined) names.push(match[1]);
  }
  return names;
}

/** `names` first in the order the source declares them, then any the scan missed, sorted. */
function inSourceOrder(blocks: Block, source: string, kind: 'variable' | 'output'): Array<[string, Block]> {
  const ordered: Array<[string, Block]> = [];
  const seen = new Set<string>();
  for (const name of [...declaredNames(source, kind), ...Object.keys(blocks).sort()]) {
    if (seen.has(name) || !(name in blocks)) continue;
    seen.add(name);
    ordered.push([name, firstInstance(blocks[name])]);
  }
  return ordered;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Reads every .tf file of `dir` (not its subfolders: those are other modules), in file-name order. */
export async function readTerraformInterface(dir: string): Promise<TerraformInterface> {
  if (!existsSync(dir)) throw new ExitError(1, `Terraform directory ${dir} does not exist`);
  const variables: TerraformVariable[] = [];
  const outputs: TerraformOutput[] = [];
  for (const { source, body } of await parseTerraformFiles(dir)) {
    for (const [variable, block] of inSourceOrder(isBlock(body.variable) ? body.variable : {}, source, 'variable')) {
      variables.push({
        name: variable,
        type: typeof block.type === 'string' ? expressionText(block.type) : undefined,
        hasDefault: 'default' in block,
        default: block.default,
        description: text(block.description),
        sensitive: block.sensitive === true,
      });
    }
    for (const [output, block] of inSourceOrder(isBlock(body.output) ? body.output : {}, source, 'output')) {
      outputs.push({ name: output, description: text(block.description), sensitive: block.sensitive === true });
    }
  }
  return { variables, outputs };
}
