// GitHub-flavoured Markdown tables: cells escaped so no value can break a row, and the rows assembled.

/** Characters Markdown gives a meaning to inside a table cell's text (the pipe ends the cell). */
const MARKDOWN_SPECIAL = /[\\`*[\]<>|]/g;
/** An underscore starts or ends emphasis only at a word's edge; one inside a name (subnet_ids) is literal. */
const EDGE_UNDERSCORE = /(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

/** A `code span` on one line (not global: exec always searches from the start of what is left). */
const CODE_SPAN = /`[^`\n]+`/;

/** Line breaks become <br>: a cell is one line of the table. */
function joinLines(text: string): string {
  return text.replace(/\r\n?|\n/g, '<br>');
}

function escapeText(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (char) => (char === '<' ? '&lt;' : char === '>' ? '&gt;' : `\\${char}`)).replace(EDGE_UNDERSCORE, '\\_');
}

/**
 * Plain text (a Terraform description, an accepted form), shown exactly as written on one line. A `code span`
 * stays code, as the Terraform registry shows descriptions; everything else that Markdown would read is escaped.
 */
export function textCell(text: string): string {
  const parts: string[] = [];
  let rest = text;
  let span = CODE_SPAN.exec(rest);
  while (span !== null) {
    parts.push(escapeText(rest.slice(0, span.index)), span[0].replace(/\|/g, '\\|'));
    rest = rest.slice(span.index + span[0].length);
    span = CODE_SPAN.exec(rest);
  }
  parts.push(escapeText(rest));
  return joinLines(parts.join(''));
}

/** Text that is already Markdown (inline code, emphasis): only what would break the row is escaped. */
export function markdownCell(markdown: string): string {
  return joinLines(markdown.replace(/\|/g, '\\|'));
}

/** A value as inline code. A pipe is escaped (GFM splits cells before it reads code spans); a backtick lengthens the fence. */
export function codeCell(value: string): string {
  const text = value.replace(/\r\n?|\n/g, ' ').replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || text.startsWith(' ') || text.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table with a header row; every cell must already be escaped by one of the functions above. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const row of rows) {
    if (row.length !== headers.length) throw new Error(`a table row has ${row.length} cells for ${headers.length} columns: ${row.join(' | ')}`);
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}
