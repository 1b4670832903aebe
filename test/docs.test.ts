// Generated docs tables: the committed ones match the code, markers pair up, cells are escaped, and a change shows.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../lib/config.ts';
import { configTable } from '../scripts/lib/config-table.ts';
import { generateDocs, TABLES, type TableSource } from '../scripts/lib/docs-tables.ts';
import { ExitError } from '../scripts/lib/errors.ts';
import { closeMarker, findSections, openMarker, replaceSections } from '../scripts/lib/generated-sections.ts';
import { codeCell, markdownCell, renderTable, textCell } from '../scripts/lib/markdown-table.ts';
import { readTerraformInterface } from '../scripts/lib/terraform-interface.ts';
import { defaultCell, hclValue, outputsTable, variablesTable } from '../scripts/lib/terraform-tables.ts';
import { REPO_ROOT, runScript, tempDir, type ScriptResult } from './helpers/scripts.ts';

/** A page with one empty section per name. */
function pageWith(...names: string[]): string {
  const parts = ['# Page', ''];
  for (const name of names) parts.push(openMarker(name), closeMarker(name), '');
  return parts.join('\n');
}

/** The rows of a rendered table below its header and rule lines. */
function bodyRows(table: string): string[] {
  return table.split('\n').slice(2);
}

describe('the committed docs', () => {
  test('every generated table in docs/*.md is what the code says now (run `npm run docs` to fix)', async () => {
    const pages = await generateDocs({ root: REPO_ROOT });
    assert.ok(pages.length >= 2, 'docs/ holds the configuration and infrastructure pages');
    for (const page of pages) {
      assert.deepEqual(page.stale, [], `${page.file}: stale tables`);
      assert.equal(page.regenerated, page.current, `${page.file} differs from its regenerated text`);
    }
  });

  test('every table is shown on the page that owns it', async () => {
    const pages = await generateDocs({ root: REPO_ROOT });
    const tablesOf = (file: string): readonly string[] => pages.find((page) => page.file === file)?.tables ?? [];
    assert.deepEqual(tablesOf(join('docs', 'configuration.md')), ['config']);
    assert.deepEqual(
      [...tablesOf(join('docs', 'infrastructure.md'))].sort(),
      ['bootstrap-outputs', 'bootstrap-variables', 'terraform-outputs', 'terraform-variables'],
    );
    assert.deepEqual([...TABLES.keys()].sort(), ['bootstrap-outputs', 'bootstrap-variables', 'config', 'terraform-outputs', 'terraform-variables']);
  });

  test('each table has one row per variable or output the Terraform roots declare', async () => {
    for (const [dir, variablesName, outputsName] of [
      ['terraform', 'terraform-variables', 'terraform-outputs'],
      [join('terraform', 'bootstrap'), 'bootstrap-variables', 'bootstrap-outputs'],
    ] as const) {
      const declared = await readTerraformInterface(join(REPO_ROOT, dir));
      const source = readFileSync(join(REPO_ROOT, dir, 'variables.tf'), 'utf8');
      const variableBlocks = source.match(/^variable "/gm) ?? [];
      assert.equal(declared.variables.length, variableBlocks.length, `${dir}/variables.tf: every variable block is read`);
      const variables = bodyRows(await (TABLES.get(variablesName) as TableSource)(REPO_ROOT));
      const outputs = bodyRows(await (TABLES.get(outputsName) as TableSource)(REPO_ROOT));
      assert.deepEqual(variables.map((row) => row.split(' | ')[0]), declared.variables.map((variable) => `| \`${variable.name}\``));
      assert.deepEqual(outputs.map((row) => row.split(' | ')[0]), declared.outputs.map((output) => `| \`${output.name}\``));
    }
  });
});

describe('the config table and the parser share one source', () => {
  const names = Object.values(CONFIG_VARIABLES).map((variable) => variable.name);

  test('the table has a row for every variable loadConfig reads, and for nothing else', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      {},
      {
        get(_target, key) {
          if (typeof key === 'string') read.add(key);
          return undefined;
        },
      },
    );
    loadConfig(env, '1.0.0');
    assert.ok(read.size >= 20, `loadConfig read only ${[...read].join(', ')}`);
    const rows = bodyRows(configTable(Object.values(CONFIG_VARIABLES)));
    assert.deepEqual(rows.map((row) => /^\| `([A-Z0-9_]+)` \|/.exec(row)?.[1]), names);
    assert.deepEqual([...read].sort(), [...names].sort());
  });

  test('.env.example lists exactly the service variables the table documents', () => {
    const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
    const serviceSection = example.split('# --- Deploy scripts')[0] ?? '';
    const listed = [...serviceSection.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    assert.deepEqual([...listed].sort(), [...names].sort());
  });

  test('a bad value is refused with exactly the accepted form the table shows', () => {
    const env: Record<string, string> = {};
    for (const name of names) env[name] = 'bad value';
    let caught: unknown;
    try {
      loadConfig(env, '1.0.0');
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    const expected = Object.values(CONFIG_VARIABLES).map((variable) => `${variable.name}="bad value" is invalid: expected ${variable.accepted}`);
    assert.deepEqual([...caught.problems], expected);
    const table = configTable(Object.values(CONFIG_VARIABLES));
    for (const variable of Object.values(CONFIG_VARIABLES)) assert.ok(table.includes(textCell(variable.accepted)), `${variable.name}: accepted form in the table`);
  });

  test('a fixed default is the value an unset variable behaves as', () => {
    const defaults = loadConfig({}, '1.0.0');
    for (const [key, variable] of Object.entries(CONFIG_VARIABLES)) {
      if (variable.fallback === undefined) {
        assert.ok(variable.defaultNote !== undefined, `${variable.name}: a default without a value says what it is`);
        continue;
      }
      const explicit = loadConfig({ [variable.name]: variable.fallback }, '1.0.0');
      assert.deepEqual(explicit[key as keyof typeof explicit], defaults[key as keyof typeof defaults], `${variable.name}=${variable.fallback}`);
    }
  });

  test('a row shows a fixed default as code and a computed one as text', () => {
    const table = configTable([
      { name: 'FIXED', accepted: 'one of a | b', fallback: 'a', meaning: 'the `a` or the `b`' },
      { name: 'COMPUTED', accepted: '1-64 characters', fallback: undefined, defaultNote: 'the `version` in package.json', meaning: 'x' },
    ]);
    assert.deepEqual(bodyRows(table), [
      '| `FIXED` | `a` | one of a \\| b | the `a` or the `b` |',
      '| `COMPUTED` | the `version` in package.json | 1-64 characters | x |',
    ]);
  });
});

describe('markers', () => {
  const refused = (text: string, message: RegExp): void => {
    assert.throws(() => findSections(text, 'page.md'), (error: unknown) => error instanceof ExitError && error.code === 1 && message.test(error.message));
  };

  test('paired markers delimit a section, and only its contents are replaced', () => {
    const text = ['intro', openMarker('a'), 'old', closeMarker('a'), 'middle', openMarker('b'), closeMarker('b'), 'end'].join('\n');
    const sections = findSections(text, 'page.md');
    assert.deepEqual(sections.map((section) => [section.name, section.contentStart, section.contentEnd]), [['a', 2, 3], ['b', 6, 6]]);
    const replaced = replaceSections(text, sections, new Map([['a', '| x |'], ['b', '| y |\n| z |']]));
    assert.equal(replaced, ['intro', openMarker('a'), '', '| x |', '', closeMarker('a'), 'middle', openMarker('b'), '', '| y |', '| z |', '', closeMarker('b'), 'end'].join('\n'));
    assert.equal(replaceSections(replaced, findSections(replaced, 'page.md'), new Map([['a', '| x |'], ['b', '| y |\n| z |']])), replaced, 'idempotent');
  });

  test('an opening marker never closed is refused with its line', () => {
    refused(`# t\n${openMarker('config')}\n| a |\n`, /^page\.md:2: <!-- generated:config --> is never closed/);
  });

  test('a closing marker with nothing open is refused', () => {
    refused(`# t\n${closeMarker('config')}\n`, /^page\.md:2: <!-- \/generated:config --> closes nothing/);
  });

  test('a closing marker with another name is refused', () => {
    refused(`${openMarker('a')}\n${closeMarker('b')}\n`, /^page\.md:2: .* closes <!-- generated:a --> \(line 1\); the names must match/);
  });

  test('a section opened inside another is refused', () => {
    refused(`${openMarker('a')}\n${openMarker('b')}\n${closeMarker('b')}\n${closeMarker('a')}\n`, /^page\.md:2: .* opens inside <!-- generated:a -->/);
  });

  test('a misspelt marker is refused rather than ignored', () => {
    refused(`<!--generated:config-->\n${closeMarker('config')}\n`, /^page\.md:1: malformed marker/);
    refused(`${openMarker('config')}\n<!-- /generated: config -->\n`, /^page\.md:2: malformed marker/);
  });

  test('a page asking for a table nobody renders is refused', async (t) => {
    const root = tempDir(t, 'docs-unknown');
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'page.md'), pageWith('nonsense'));
    await assert.rejects(generateDocs({ root, tables: new Map() }), (error: unknown) => error instanceof ExitError && /docs\/page\.md:3: no generated table is called "nonsense"/.test(error.message));
  });
});

describe('Terraform tables', () => {
  const VARIABLES_TF = `
variable "zone" {
  description = "Where | it runs."
  type        = string
  default     = "eu-west-1"
}

variable "required_one" {
  description = <<-EOT
    First line.
    Second <line>.
  EOT
  type = object({
    a = string
    b = list(number)
  })
}

variable "token" {
  description = "A secret."
  type        = string
  default     = null
  sensitive   = true
}

variable "tags" {
  description = "Tags."
  type        = map(string)
  default     = { Team = "web", "with space" = "x" }
}

variable "untyped" {
  description = "Anything."
  default     = [1, true, "two"]
}

output "url" {
  description = "Base URL."
  value       = "https://\${var.zone}"
}

output "password" {
  description = "Generated password."
  value       = var.token
  sensitive   = true
}
`;

  test('variables and outputs are read in declaration order with their type, default, description and sensitivity', async (t) => {
    const dir = tempDir(t, 'docs-tf');
    writeFileSync(join(dir, 'main.tf'), VARIABLES_TF);
    const declared = await readTerraformInterface(dir);
    assert.deepEqual(declared.variables.map((variable) => variable.name), ['zone', 'required_one', 'token', 'tags', 'untyped']);
    assert.deepEqual(bodyRows(variablesTable(declared.variables)), [
      '| `zone` | `string` | `"eu-west-1"` | Where \\| it runs. |',
      '| `required_one` | `object({ a = string b = list(number) })` | **required** | First line.<br>Second &lt;line&gt;.<br> |',
      '| `token` (sensitive) | `string` | none | A secret. |',
      '| `tags` | `map(string)` | `{ Team = "web", "with space" = "x" }` | Tags. |',
      '| `untyped` | `any` | `[1, true, "two"]` | Anything. |',
    ]);
    assert.deepEqual(bodyRows(outputsTable(declared.outputs)), ['| `url` | Base URL. |', '| `password` (sensitive) | Generated password. |']);
  });

  test('a page with Terraform markers picks up a changed variable, and is up to date once rewritten', async (t) => {
    const root = tempDir(t, 'docs-root');
    mkdirSync(join(root, 'terraform'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'terraform', 'variables.tf'), 'variable "region" {\n  description = "Region."\n  type = string\n  default = "eu-west-1"\n}\n');
    writeFileSync(join(root, 'docs', 'infra.md'), pageWith('terraform-variables'));
    const tables = new Map([['terraform-variables', TABLES.get('terraform-variables') as TableSource]]);

    const [first] = await generateDocs({ root, tables });
    assert.deepEqual(first?.stale, ['terraform-variables']);
    assert.ok(first?.regenerated.includes('| `region` | `string` | `"eu-west-1"` | Region. |'), first?.regenerated);
    writeFileSync(join(root, 'docs', 'infra.md'), first?.regenerated ?? '');
    assert.deepEqual((await generateDocs({ root, tables }))[0]?.stale, []);

    writeFileSync(join(root, 'terraform', 'variables.tf'), 'variable "region" {\n  description = "Region."\n  type = string\n  default = "us-east-1"\n}\n');
    const [changed] = await generateDocs({ root, tables });
    assert.deepEqual(changed?.stale, ['terraform-variables']);
    assert.ok(changed?.regenerated.includes('`"us-east-1"`'));
    assert.ok(!changed?.regenerated.includes('`"eu-west-1"`'));
  });

  test('a .tf file that does not parse stops with its name', async (t) => {
    const dir = tempDir(t, 'docs-bad-tf');
    writeFileSync(join(dir, 'broken.tf'), 'variable "x" {\n');
    await assert.rejects(readTerraformInterface(dir), (error: unknown) => error instanceof ExitError && error.message.includes('broken.tf is not valid HCL'));
  });
});

describe('cells', () => {
  test('text cells escape what Markdown would read, keep code spans, and stay on one line', () => {
    assert.equal(textCell('a | b'), 'a \\| b');
    assert.equal(textCell('arn:<partition>:x'), 'arn:&lt;partition&gt;:x');
    assert.equal(textCell('one\ntwo\r\nthree'), 'one<br>two<br>three');
    assert.equal(textCell('*bold* [link] back\\slash'), '\\*bold\\* \\[link\\] back\\\\slash');
    assert.equal(textCell('subnet_ids and _edge_'), 'subnet_ids and \\_edge\\_');
    assert.equal(textCell('the `bucket` in `a|b`'), 'the `bucket` in `a\\|b`');
    assert.equal(textCell('a lone ` backtick'), 'a lone \\` backtick');
  });

  test('Markdown cells keep their Markdown but not a row-breaking pipe or newline', () => {
    assert.equal(markdownCell('`x` | *y*\nz'), '`x` \\| *y*<br>z');
  });

  test('code cells escape pipes and fence backticks', () => {
    assert.equal(codeCell('a|b'), '`a\\|b`');
    assert.equal(codeCell('one\ntwo'), '`one two`');
    assert.equal(codeCell('a`b'), '`` a`b ``');
  });

  test('HCL values render compactly', () => {
    assert.equal(hclValue('x"y'), '"x\\"y"');
    assert.equal(hclValue(30), '30');
    assert.equal(hclValue(false), 'false');
    assert.equal(hclValue(null), 'null');
    assert.equal(hclValue([]), '[]');
    assert.equal(hclValue({}), '{}');
    assert.equal(hclValue(['main', ['x']]), '["main", ["x"]]');
    assert.equal(hclValue({ a: 1, 'b c': { d: null } }), '{ a = 1, "b c" = { d = null } }');
  });

  test('defaults: required, none, or the value', () => {
    assert.equal(defaultCell({ hasDefault: false, default: undefined }), '**required**');
    assert.equal(defaultCell({ hasDefault: true, default: null }), 'none');
    assert.equal(defaultCell({ hasDefault: true, default: 'a|b' }), '`"a\\|b"`');
  });

  test('a row with the wrong number of cells is a bug, not a table', () => {
    assert.throws(() => renderTable(['a', 'b'], [['1']]), /1 cells for 2 columns/);
  });
});

/** A copy of what `npm run docs` reads (scripts, lib, docs, the .tf files, package.json for "type": "module") with node_modules linked in. */
function copyProject(t: TestContext): string {
  const root = tempDir(t, 'docs-cli');
  for (const dir of ['scripts', 'lib', 'docs']) cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  cpSync(join(REPO_ROOT, 'terraform'), join(root, 'terraform'), { recursive: true, filter: (source) => !source.includes('.terraform') });
  cpSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** The copy's own scripts/docs.ts, which reads the copy (its root is where the script is). */
function runDocs(root: string, args: readonly string[]): Promise<ScriptResult> {
  return runScript('docs', args, { cwd: root, root });
}

describe('npm run docs', () => {
  test('--check exits 2 naming the stale table and writes nothing; without --check the page is rewritten', async (t) => {
    const root = copyProject(t);
    const fresh = await runDocs(root, ['--check']);
    assert.equal(fresh.code, 0, fresh.stderr);
    const pages = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).length;
    assert.match(fresh.stdout, new RegExp(`^docs: 5 tables up to date in ${pages} pages$`, 'm'));

    const variablesTf = join(root, 'terraform', 'variables.tf');
    const original = readFileSync(variablesTf, 'utf8');
    assert.ok(original.includes('default     = "eu-west-1"'));
    writeFileSync(variablesTf, original.replace('default     = "eu-west-1"', 'default     = "eu-north-1"'));
    const page = join(root, 'docs', 'infrastructure.md');
    const before = readFileSync(page, 'utf8');

    const stale = await runDocs(root, ['--check']);
    assert.equal(stale.code, 2, stale.stderr);
    assert.equal(stale.stdout, `${join('docs', 'infrastructure.md')}: table terraform-variables is stale\n`);
    assert.match(stale.stderr, /1 of 5 tables stale; run `npm run docs`/);
    assert.equal(readFileSync(page, 'utf8'), before, '--check writes nothing');

    const written = await runDocs(root, []);
    assert.equal(written.code, 0, written.stderr);
    const after = readFileSync(page, 'utf8');
    const row = (region: string): string => `| \`aws_region\` | \`string\` | \`"${region}"\` |`;
    assert.equal(before.split(row('eu-west-1')).length - 1, 2, 'both roots default to eu-west-1');
    assert.equal(after.split(row('eu-west-1')).length - 1, 1, 'only the bootstrap still does');
    assert.ok(after.includes(row('eu-north-1')));
    assert.equal((await runDocs(root, ['--check'])).code, 0);
  });

  test('an unpaired marker exits 1 with the file and line; bad usage exits 64; --help exits 0', async (t) => {
    const root = copyProject(t);
    const page = join(root, 'docs', 'configuration.md');
    const text = readFileSync(page, 'utf8');
    writeFileSync(page, text.replace(closeMarker('config'), ''));
    const unpaired = await runDocs(root, ['--check']);
    assert.equal(unpaired.code, 1);
    const line = text.split('\n').indexOf(openMarker('config')) + 1;
    assert.match(unpaired.stderr, new RegExp(`^docs: docs/configuration\\.md:${line}: <!-- generated:config --> is never closed`));

    const usage = await runDocs(root, ['--bogus']);
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /Run `npm run docs -- --help` for usage/);
    const help = await runDocs(root, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: npm run docs/);
  });
});
