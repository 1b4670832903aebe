// The .tf files of one Terraform root, each parsed by hcl2json, and the helpers for walking what it writes.
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitError } from './errors.ts';

/** One block (or the whole file) as hcl2json writes it. */
export type Block = Record<string, unknown>;

/** One .tf file: its path, its text and its parsed body. */
export interface TerraformFile {
  readonly file: string;
  readonly source: string;
  readonly body: Block;
}

export function isBlock(value: unknown): value is Block {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** hcl2json writes each block as an array of instances; a lone object is one instance. */
export function instances(value: unknown): Block[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.filter(isBlock);
}

/** Every .tf file of `dir` (not its subfolders: those are other modules), in file-name order, parsed. */
export async function parseTerraformFiles(dir: string): Promise<TerraformFile[]> {
  const files: TerraformFile[] = [];
  for (const name of readdirSync(dir).filter((entry) => entry.endsWith('.tf')).sort()) {
    const file = join(dir, name);
    const source = readFileSync(file, 'utf8');
    let body: Block;
    try {
      body = (await parse(file, source)) as Block;
    } catch (error) {
      throw new ExitError(1, `${file} is not valid HCL: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
    files.push({ file, source, body });
  }
  return files;
}
