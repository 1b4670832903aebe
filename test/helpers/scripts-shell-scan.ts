// Finds shell use in source text: shell: true, exec/execSync, `sh -c`, and program strings built by concatenation.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ShellFinding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

const RULES: ReadonlyArray<{ rule: string; pattern: RegExp }> = [
  // shell: true, or a shell path as the option's value.
  { rule: 'shell option', pattern: /\bshell\s*:\s*(?:true\b|['"`])/ },
  // execSync has no innocent meaning; bare exec( is child_process.exec (RegExp#exec is always called as x.exec).
  { rule: 'execSync call', pattern: /\bexecSync\s*\(/ },
  { rule: 'exec call', pattern: /(?:^|[^.\w$])exec\s*\(/ },
  { rule: 'exec call', pattern: /\b(?:child_process|childProcess|cp)\.exec\s*\(/ },
  { rule: 'exec import', pattern: /\{[^}]*\bexec(?:Sync)?\b[^}]*\}\s*(?:from\s*|=\s*require\(\s*)['"](?:node:)?child_process['"]/ },
  // A shell started by name does the same as shell: true.
  { rule: 'shell -c', pattern: /['"](?:\/bin\/|\/usr\/bin\/)?(?:ba|da|z)?sh['"]\s*,\s*\[\s*['"]-c['"]/ },
  // The program argument must be a plain name: not a template with ${…}, not "prog args", not a + concatenation.
  {
    rule: 'command string',
    pattern: /\b(?:spawn|spawnSync|execFile|execFileSync|fork|runProcess|run)\s*\(\s*(?:`[^`]*\$\{|(['"])[^'"]*\s[^'"]*\1\s*[,)]|[\w.$]+\s*\+|(['"])[^'"]*\2\s*\+)/,
  },
];

/** Drops // and /* comments (line-wise, good enough for prose that mentions exec() in a comment). */
function codeOf(line: string): string {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('*') || trimmed.startsWith('/*')) return '';
  const comment = line.search(/(?:^|\s)\/\/(?!.*['"`])/);
  return comment === -1 ? line : line.slice(0, comment);
}

export function scanSource(text: string, file = '<source>'): ShellFinding[] {
  const findings: ShellFinding[] = [];
  text.split('\n').forEach((line, index) => {
    const code = codeOf(line);
    for (const { rule, pattern } of RULES) {
      if (pattern.test(code)) findings.push({ file, line: index + 1, rule, text: line.trim() });
    }
  });
  return findings;
}

const SOURCE_EXTENSIONS = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'results', '.git', '.terraform', 'fixtures']);

function walk(dir: string, files: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name), files);
    } else if (SOURCE_EXTENSIONS.test(entry.name)) {
      files.push(join(dir, entry.name));
    }
  }
}

/**
 * The project's code: scripts/, lib/, server.ts and every other source file outside test/ (bench, .github helpers,
 * config files). Tests are left out: they hold the bad examples that prove this scanner works.
 */
export function projectSourceFiles(root: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.name === 'test' || SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory()) walk(path, files);
    else if (SOURCE_EXTENSIONS.test(entry.name)) files.push(path);
  }
  return files.sort();
}

export function scanProject(root: string): ShellFinding[] {
  return projectSourceFiles(root).flatMap((file) => scanSource(readFileSync(file, 'utf8'), relative(root, file)));
}
