// A Terraform root read from its .tf files with hcl2json, without Terraform: variables, locals, resources, outputs, lifecycle.
import { getReferencesInExpression } from '@cdktf/hcl2json';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { ExitError } from './errors.ts';
import { evaluateJson, evaluateJsonDocument, type Scope } from './hcl-evaluate.ts';
import { Unknown, type Value } from './hcl-functions.ts';
import type { AttributePath } from './plan-reader.ts';
import { instances, isBlock, parseTerraformFiles, type Block } from './terraform-files.ts';

/** Values to use instead of what the files say: a variable's value (as `-var` would set it) or a local's. */
export interface Overrides {
  readonly variables?: Readonly<Record<string, Value>>;
  readonly locals?: Readonly<Record<string, Value>>;
}

/** One `resource "type" "name"` block: its arguments as hcl2json wrote them (nested blocks are arrays). */
export interface ResourceBlock {
  readonly address: string;
  readonly file: string;
  readonly body: Readonly<Record<string, unknown>>;
}

interface Definition {
  readonly file: string;
  readonly raw: unknown;
}

export class TerraformConfig implements Scope {
  readonly dir: string;
  readonly #variables = new Map<string, Definition | undefined>();
  readonly #locals = new Map<string, Definition>();
  readonly #resources: ResourceBlock[] = [];
  readonly #outputs = new Map<string, Definition>();
  readonly #overrides: Overrides;
  readonly #localValues = new Map<string, Promise<Value>>();
  readonly #evaluating = new Set<string>();

  private constructor(dir: string, overrides: Overrides) {
    this.dir = dir;
    this.#overrides = overrides;
  }

  /** Reads every .tf file of `dir` (not its subfolders: those are other modules). */
  static async read(dir: string, overrides: Overrides = {}): Promise<TerraformConfig> {
    if (!existsSync(dir)) throw new ExitError(1, `Terraform directory ${dir} does not exist; pass --terraform-dir <root module>`);
    const config = new TerraformConfig(dir, overrides);
    const files = await parseTerraformFiles(dir);
    if (files.length === 0) throw new ExitError(1, `${dir} has no .tf files; pass --terraform-dir <root module>`);
    for (const { file, body } of files) config.#add(file, body);
    config.#checkOverrides();
    return config;
  }

  #add(file: string, body: Block): void {
    const variables = isBlock(body.variable) ? body.variable : {};
    for (const [name, blocks] of Object.entries(variables)) {
      const [block] = instances(blocks);
      this.#variables.set(name, block !== undefined && 'default' in block ? { file, raw: block.default } : undefined);
    }
    for (const block of instances(body.locals ?? [])) {
      for (const [name, raw] of Object.entries(block)) this.#locals.set(name, { file, raw });
    }
    const outputs = isBlock(body.output) ? body.output : {};
    for (const [name, blocks] of Object.entries(outputs)) {
      const [block] = instances(blocks);
      if (block !== undefined) this.#outputs.set(name, { file, raw: block.value });
    }
    const resources = isBlock(body.resource) ? body.resource : {};
    for (const [type, byName] of Object.entries(resources)) {
      if (!isBlock(byName)) continue;
      for (const [name, blocks] of Object.entries(byName)) {
        for (const block of instances(blocks)) this.#resources.push({ address: `${type}.${name}`, file, body: block });
      }
    }
  }

  /** An override for something the root does not declare would silently change nothing: refuse it. */
  #checkOverrides(): void {
    for (const name of Object.keys(this.#overrides.variables ?? {})) {
      if (!this.#variables.has(name)) throw new ExitError(1, `${this.dir} declares no variable "${name}", which the local rehearsal sets`);
    }
    for (const name of Object.keys(this.#overrides.locals ?? {})) {
      if (!this.#locals.has(name)) throw new ExitError(1, `${this.dir} defines no local value "${name}", which the local rehearsal sets`);
    }
  }

  /** Every `resource "<type>" ...` block, in file order; every resource block when no type is given. */
  resources(type?: string): ResourceBlock[] {
    if (type === undefined) return [...this.#resources];
    return this.#resources.filter((resource) => resource.address.startsWith(`${type}.`));
  }

  /** An output's value expression as hcl2json wrote it, and its file; undefined when the root has no such output. */
  output(name: string): { readonly file: string; readonly raw: unknown } | undefined {
    return this.#outputs.get(name);
  }

  /** An hcl2json argument value of a block in `file`, evaluated. */
  evaluate(raw: unknown, file: string): Promise<Value> {
    return evaluateJson(raw, file, this);
  }

  /** A JSON-string argument (container_definitions) as the document it encodes, unknown parts kept as Unknown. */
  evaluateDocument(raw: unknown, file: string): Promise<Value> {
    return evaluateJsonDocument(raw, file, this);
  }

  async variable(name: string, file: string): Promise<Value> {
    const overrides = this.#overrides.variables ?? {};
    if (name in overrides) return overrides[name] ?? null;
    if (!this.#variables.has(name)) throw new ExitError(1, `${file}: var.${name} is not declared in ${this.dir}`);
    const definition = this.#variables.get(name);
    if (definition === undefined) return new Unknown(`var.${name} has no default`);
    return this.evaluate(definition.raw, definition.file);
  }

  local(name: string, file: string): Promise<Value> {
    const overrides = this.#overrides.locals ?? {};
    if (name in overrides) return Promise.resolve(overrides[name] ?? null);
    const definition = this.#locals.get(name);
    if (definition === undefined) return Promise.reject(new ExitError(1, `${file}: local.${name} is not defined in ${this.dir}`));
    if (this.#evaluating.has(name)) return Promise.reject(new ExitError(1, `${definition.file}: local.${name} refers to itself`));
    let value = this.#localValues.get(name);
    if (value === undefined) {
      this.#evaluating.add(name);
      value = this.evaluate(definition.raw, definition.file).finally(() => this.#evaluating.delete(name));
      this.#localValues.set(name, value);
    }
    return value;
  }
}

/** What one resource's `lifecycle { ignore_changes }` names: `all`, or a list of attribute paths. */
export interface IgnoreChanges {
  readonly resource: string;
  readonly file: string;
  readonly ignored: 'all' | readonly AttributePath[];
}

/** The expression inside hcl2json's "${...}" wrapper (a bare traversal such as desired_count stays as it is). */
function unwrap(expression: string): string {
  const match = /^\$\{([\s\S]*)\}$/.exec(expression.trim());
  return (match?.[1] ?? expression).trim();
}

/**
 * An ignore_changes entry as an attribute path: desired_count, tags["Owner"], tags.Owner, load_balancer[0].x.
 * Undefined for anything else, which is then simply not ignored (the change stays reported as drift).
 */
export function parseTraversal(expression: string): AttributePath | undefined {
  const text = unwrap(expression);
  const path: Array<string | number> = [];
  const step = /(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
  while (step.lastIndex < text.length) {
    const start = step.lastIndex;
    const match = step.exec(text);
    if (match === null || (start === 0 && match[1] === undefined)) return undefined;
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(Number(match[2]));
    else path.push(JSON.parse(`"${match[3] ?? ''}"`) as string);
  }
  return path.length === 0 ? undefined : path;
}

/** Every root resource's ignore_changes list, keyed by "type.name". */
export async function readIgnoreChanges(dir: string): Promise<Map<string, IgnoreChanges>> {
  const config = await TerraformConfig.read(dir);
  const found = new Map<string, IgnoreChanges>();
  for (const resource of config.resources()) {
    const file = basename(resource.file);
    for (const lifecycle of instances(resource.body.lifecycle)) {
      const raw = lifecycle.ignore_changes;
      if (typeof raw === 'string' && unwrap(raw) === 'all') {
        found.set(resource.address, { resource: resource.address, file, ignored: 'all' });
      } else if (Array.isArray(raw)) {
        const paths: AttributePath[] = [];
        for (const entry of raw) {
          const path = typeof entry === 'string' ? parseTraversal(entry) : undefined;
          if (path !== undefined) paths.push(path);
        }
        found.set(resource.address, { resource: resource.address, file, ignored: paths });
      }
    }
  }
  return found;
}

/** The managed resources (and modules) an output's value refers to, as -target addresses; undefined: no such output. */
export async function outputTargets(dir: string, outputName: string): Promise<string[] | undefined> {
  const output = (await TerraformConfig.read(dir)).output(outputName);
  if (output === undefined) return undefined;
  if (typeof output.raw !== 'string') return [];
  const targets = new Set<string>();
  for (const reference of await getReferencesInExpression(output.file, output.raw)) {
    const [first, second] = reference.value.split('.');
    if (first === undefined || second === undefined) continue;
    if (first === 'module' || /^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(first)) targets.add(`${first}.${second}`);
  }
  return [...targets];
}
