// Which generated table is which (config, terraform-variables, …), and docs/*.md with every table brought up to date.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CONFIG_VARIABLES } from '../../lib/config.ts';
import { configTable } from './config-table.ts';
import { ExitError } from './errors.ts';
import { findSections, replaceSections } from './generated-sections.ts';
import { readTerraformInterface } from './terraform-interface.ts';
import { outputsTable, variablesTable } from './terraform-tables.ts';

/** Renders one table from the code under the repository root `root`. */
export type TableSource = (root: string) => Promise<string>;

async function terraformVariables(dir: string): Promise<string> {
  return variablesTable((await readTerraformInterface(dir)).variables);
}

async function terraformOutputs(dir: string): Promise<string> {
  return outputsTable((await readTerraformInterface(dir)).outputs);
}

/** Every table a docs page may ask for by name. */
export const TABLES: ReadonlyMap<string, TableSource> = new Map<string, TableSource>([
  ['config', () => Promise.resolve(configTable(Object.values(CONFIG_VARIABLES)))],
  ['terraform-variables', (root) => terraformVariables(join(root, 'terraform'))],
  ['terraform-outputs', (root) => terraformOutputs(join(root, 'terraform'))],
  ['bootstrap-variables', (root) => terraformVariables(join(root, 'terraform', 'bootstrap'))],
  ['bootstrap-outputs', (root) => terraformOutputs(join(root, 'terraform', 'bootstrap'))],
]);

/** One Markdown file: its text now and with its tables regenerated, and which of its tables were out of date. */
export interface DocPage {
  /** The path as the page is named in messages (relative to the root), and as it is written to. */
  readonly file: string;
  readonly path: string;
  readonly current: string;
  readonly regenerated: string;
  readonly tables: readonly string[];
  readonly stale: readonly string[];
}

export interface GenerateOptions {
  /** The repository root the tables are read from. */
  readonly root: string;
  /** The folder of .md files (not its subfolders); default <root>/docs. */
  readonly docsDir?: string;
  readonly tables?: ReadonlyMap<string, TableSource>;
}

/** Every .md file of the docs folder with its generated sections rendered; nothing is written. */
export async function generateDocs(options: GenerateOptions): Promise<DocPage[]> {
  const docsDir = options.docsDir ?? join(options.root, 'docs');
  const tables = options.tables ?? TABLES;
  const rendered = new Map<string, string>();
  const pages: DocPage[] = [];
  for (const name of readdirSync(docsDir).filter((entry) => entry.endsWith('.md')).sort()) {
    const path = join(docsDir, name);
    const file = relative(options.root, path) || path;
    const current = readFileSync(path, 'utf8');
    const sections = findSections(current, file);
    const stale: string[] = [];
    for (const section of sections) {
      const source = tables.get(section.name);
      if (source === undefined) {
        throw new ExitError(1, `${file}:${section.line + 1}: no generated table is called "${section.name}"; known: ${[...tables.keys()].join(', ')}`);
      }
      let body = rendered.get(section.name);
      if (body === undefined) {
        body = await source(options.root);
        rendered.set(section.name, body);
      }
      const lines = current.split('\n').slice(section.contentStart, section.contentEnd).join('\n');
      if (lines !== `\n${body}\n`) stale.push(section.name);
    }
    const regenerated = replaceSections(current, sections, rendered);
    pages.push({ file, path, current, regenerated, tables: sections.map((section) => section.name), stale });
  }
  return pages;
}
