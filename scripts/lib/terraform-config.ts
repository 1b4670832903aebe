// What a root module's .tf files say, parsed with @cdktf/hcl2json: lifecycle ignore_changes, and what an output refers to.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getReferencesInExpression, parse } from '@cdktf/hcl2json';
import { ExitError } from './errors.ts';
import type { AttributePath } from './plan-reader.ts';

/** What one resource's `lifecycle { ignore_changes }` names: `all`, or a list of attribute paths. */
export interface IgnoreChanges {
  readonly resource: string;
  readonly file: string;
  readonly ignored: 'all' | readonly AttributePath[];
}

type Block = Record<string, unknown>;

function isBlock(value: unknown): value is Block {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** hcl2json writes every block as a list of instances (a block may repeat). */
function instances(value: unknown): Block[] {
  return (Array.isArray(value) ? value : [value]).filter(isBlock);
}

async function parseRoot(dir: string): Promise<Array<{ file: string; body: Block }>> {
  const parsed: Array<{ file: string; body: Block }> = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf')).sort()) {
    try {
      parsed.push({ file, body: (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Block });
    } catch (error) {
      throw new ExitError(1, `${join(dir, file)} could not be parsed: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  return parsed;
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
  const found = new Map<string, IgnoreChanges>();
  for (const { file, body } of await parseRoot(dir)) {
    const byType = body.resource;
    if (!isBlock(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (!isBlock(byName)) continue;
      for (const [name, resourceBlocks] of Object.entries(byName)) {
        for (const resource of instances(resourceBlocks)) {
          for (const lifecycle of instances(resource.lifecycle)) {
            const raw = lifecycle.ignore_changes;
            const resourceAddress = `${type}.${name}`;
            if (typeof raw === 'string' && unwrap(raw) === 'all') {
              found.set(resourceAddress, { resource: resourceAddress, file, ignored: 'all' });
            } else if (Array.isArray(raw)) {
              const paths: AttributePath[] = [];
              for (const entry of raw) {
                const path = typeof entry === 'string' ? parseTraversal(entry) : undefined;
                if (path !== undefined) paths.push(path);
              }
              found.set(resourceAddress, { resource: resourceAddress, file, ignored: paths });
            }
          }
        }
      }
    }
  }
  return found;
}

/** The managed resources (and modules) an output's value refers to, as -target addresses. */
export async function outputTargets(dir: string, outputName: string): Promise<string[] | undefined> {
  for (const { file, body } of await parseRoot(dir)) {
    const outputs = body.output;
    if (!isBlock(outputs) || !(outputName in outputs)) continue;
    const value = instances(outputs[outputName])[0]?.value;
    if (typeof value !== 'string') return [];
    const targets = new Set<string>();
    for (const reference of await getReferencesInExpression(file, value)) {
      const [first, second] = reference.value.split('.');
      if (first === undefined || second === undefined) continue;
      if (first === 'module' || /^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(first)) targets.add(`${first}.${second}`);
    }
    return [...targets];
  }
  return undefined;
}
