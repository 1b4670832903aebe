// The Markdown table of the service's environment variables, rendered from the declarative table lib/config.ts parses with.
import type { EnvVariable } from '../../lib/env-variable.ts';
import { codeCell, markdownCell, renderTable, textCell } from './markdown-table.ts';

/** Only what the documentation shows of a variable: not its reader. */
export type DocumentedVariable = Omit<EnvVariable<unknown, unknown>, 'read'>;

function defaultText(variable: DocumentedVariable): string {
  if (variable.fallback !== undefined) return codeCell(variable.fallback);
  return markdownCell(variable.defaultNote ?? 'unset');
}

export function configTable(variables: Iterable<DocumentedVariable>): string {
  const rows: string[][] = [];
  for (const variable of variables) {
    rows.push([codeCell(variable.name), defaultText(variable), textCell(variable.accepted), markdownCell(variable.meaning)]);
  }
  return renderTable(['variable', 'default', 'accepted', 'meaning'], rows);
}
