// Finds the `<!-- generated:NAME -->` … `<!-- /generated:NAME -->` sections of a Markdown file and rewrites their contents.
import { ExitError } from './errors.ts';

/** One generated section: its name and the lines between its two markers (0-based, end exclusive). */
export interface GeneratedSection {
  readonly name: string;
  readonly line: number;
  readonly contentStart: number;
  readonly contentEnd: number;
}

const MARKER = /^<!-- (\/?)generated:([a-z0-9][a-z0-9-]*) -->$/;
/** Anything that looks like a marker but is not written exactly as one: refused rather than silently left alone. */
const NEAR_MARKER = /<!--\s*\/?\s*generated\s*:/;

export function openMarker(name: string): string {
  return `<!-- generated:${name} -->`;
}

export function closeMarker(name: string): string {
  return `<!-- /generated:${name} -->`;
}

/** The sections of `text`, in order. Unpaired, mismatched, nested or misspelt markers stop with the file and line. */
export function findSections(text: string, file: string): GeneratedSection[] {
  const lines = text.split('\n');
  const sections: GeneratedSection[] = [];
  let open: { readonly name: string; readonly line: number } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const where = `${file}:${index + 1}`;
    const match = MARKER.exec(line.trimEnd());
    if (match === null) {
      if (NEAR_MARKER.test(line)) throw new ExitError(1, `${where}: malformed marker ${JSON.stringify(line.trim())}; write ${openMarker('NAME')} or ${closeMarker('NAME')} on a line of its own`);
      continue;
    }
    const [, slash, name = ''] = match;
    if (slash === '') {
      if (open !== undefined) throw new ExitError(1, `${where}: ${openMarker(name)} opens inside ${openMarker(open.name)} (line ${open.line + 1}), which is not closed`);
      open = { name, line: index };
    } else if (open === undefined) {
      throw new ExitError(1, `${where}: ${closeMarker(name)} closes nothing; add ${openMarker(name)} above it`);
    } else if (open.name !== name) {
      throw new ExitError(1, `${where}: ${closeMarker(name)} closes ${openMarker(open.name)} (line ${open.line + 1}); the names must match`);
    } else {
      sections.push({ name, line: open.line, contentStart: open.line + 1, contentEnd: index });
      open = undefined;
    }
  }
  if (open !== undefined) throw new ExitError(1, `${file}:${open.line + 1}: ${openMarker(open.name)} is never closed; add ${closeMarker(open.name)} after the table`);
  return sections;
}

/** The text with every section's contents replaced by `contents(name)`, set off by a blank line on each side. */
export function replaceSections(text: string, sections: readonly GeneratedSection[], contents: ReadonlyMap<string, string>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let next = 0;
  for (const section of sections) {
    const body = contents.get(section.name);
    if (body === undefined) throw new Error(`no contents given for the generated section ${section.name}`);
    out.push(...lines.slice(next, section.contentStart), '', ...body.split('\n'), '');
    next = section.contentEnd;
  }
  out.push(...lines.slice(next));
  return out.join('\n');
}
