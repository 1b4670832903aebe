// `npm run docs`: regenerates the tables between <!-- generated:NAME --> markers in docs/*.md; --check only reports stale ones.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isEntryPoint, parseCommandArgs, runCli } from './lib/cli.ts';
import { generateDocs, TABLES } from './lib/docs-tables.ts';
import { closeMarker, openMarker } from './lib/generated-sections.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const USAGE = `Usage: npm run docs -- [options]

Regenerates every table written between ${openMarker('NAME')} and ${closeMarker('NAME')}
in docs/*.md from the code it documents, and leaves the rest of each page as it is. Tables:
  config                the service's environment variables (lib/config.ts, CONFIG_VARIABLES)
  terraform-variables   the variables of terraform/
  terraform-outputs     the outputs of terraform/
  bootstrap-variables   the variables of terraform/bootstrap/
  bootstrap-outputs     the outputs of terraform/bootstrap/

Options:
  --check     write nothing; name each table that differs from what the code says
  -h, --help  show this help

Exit status: 0 every table up to date (or rewritten), 2 with --check: a table is stale, 1 error (an unpaired or
misspelt marker, an unknown table name, a .tf file that does not parse), 64 bad usage.
`;

export interface DocsOptions {
  readonly check: boolean;
}

export function parseDocsArgs(argv: string[]): DocsOptions | 'help' {
  const { values } = parseCommandArgs({
    args: argv,
    options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) return 'help';
  return { check: values.check === true };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

async function main(argv: string[]): Promise<number> {
  const options = parseDocsArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const pages = await generateDocs({ root: ROOT });
  let stale = 0;
  let total = 0;
  for (const page of pages) {
    total += page.tables.length;
    stale += page.stale.length;
    for (const name of page.stale) {
      process.stdout.write(options.check ? `${page.file}: table ${name} is stale\n` : `${page.file}: table ${name} regenerated\n`);
    }
    if (!options.check && page.regenerated !== page.current) writeFileSync(page.path, page.regenerated);
  }
  const unused = [...TABLES.keys()].filter((name) => !pages.some((page) => page.tables.includes(name)));
  if (unused.length > 0) process.stderr.write(`docs: no page shows the table${unused.length > 1 ? 's' : ''} ${unused.join(', ')}\n`);
  if (options.check && stale > 0) {
    process.stderr.write(`docs: ${stale} of ${count(total, 'table')} stale; run \`npm run docs\` to regenerate them\n`);
    return 2;
  }
  process.stdout.write(`docs: ${count(total, 'table')} up to date in ${count(pages.length, 'page')}\n`);
  return 0;
}

if (isEntryPoint(import.meta.url)) await runCli('docs', main);
