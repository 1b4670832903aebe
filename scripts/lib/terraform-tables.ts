// Markdown tables of a Terraform root's variables (name, type, default, description) and outputs (name, description).
import { codeCell, renderTable, textCell } from './markdown-table.ts';
import type { TerraformOutput, TerraformVariable } from './terraform-interface.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A decoded HCL value written back compactly in HCL syntax: "a", 30, true, null, ["main"], { key = "v" }. */
export function hclValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value as unknown[]) items.push(hclValue(item));
    return `[${items.join(', ')}]`;
  }
  const entries: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    entries.push(`${IDENTIFIER.test(key) ? key : JSON.stringify(key)} = ${hclValue(item)}`);
  }
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** The default column: "required" without a default, "none" for null, else the value as code. */
export function defaultCell(variable: Pick<TerraformVariable, 'hasDefault' | 'default'>): string {
  if (!variable.hasDefault) return '**required**';
  if (variable.default === null) return 'none';
  return codeCell(hclValue(variable.default));
}

function nameCell(name: string, sensitive: boolean): string {
  return sensitive ? `${codeCell(name)} (sensitive)` : codeCell(name);
}

export function variablesTable(variables: readonly TerraformVariable[]): string {
  const rows: string[][] = [];
  for (const variable of variables) {
    rows.push([nameCell(variable.name, variable.sensitive), codeCell(variable.type ?? 'any'), defaultCell(variable), textCell(variable.description)]);
  }
  return renderTable(['name', 'type', 'default', 'description'], rows);
}

export function outputsTable(outputs: readonly TerraformOutput[]): string {
  const rows: string[][] = [];
  for (const output of outputs) rows.push([nameCell(output.name, output.sensitive), textCell(output.description)]);
  return renderTable(['name', 'description'], rows);
}
