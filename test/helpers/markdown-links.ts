// Relative links in Markdown files, and whether each resolves: the file exists and, for `#anchor`, the heading does.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A link found in a Markdown file, with the 1-based line it is on. */
export interface MarkdownLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

const FENCE = /^\s*(```|~~~)/;
const INLINE_CODE = /`+[^`]*`+/g;
/** [text](target) and ![alt](target); the target ends at the first space (a title may follow) or parenthesis. */
const INLINE_LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** The lines of a Markdown text outside fenced code blocks, as [1-based line number, text]. */
function proseLines(text: string): Array<[number, string]> {
  const lines: Array<[number, string]> = [];
  let inFence = false;
  const all = text.split('\n');
  for (let index = 0; index < all.length; index++) {
    const line = all[index] ?? '';
    if (FENCE.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (!inFence) lines.push([index + 1, line]);
  }
  return lines;
}

/** Every inline link of a Markdown file outside code blocks and code spans. */
export function markdownLinks(file: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const [line, text] of proseLines(readFileSync(file, 'utf8'))) {
    for (const match of text.replace(INLINE_CODE, '').matchAll(INLINE_LINK)) {
      links.push({ file, line, target: match[1] ?? '' });
    }
  }
  return links;
}

/**
 * GitHub's anchor for a heading (github-slugger): the rendered text lower-cased, every character that is not a
 * letter, mark, digit, connector (`_`), space or hyphen removed, each space a hyphen.
 */
export function headingSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .replace(/\*/g, '')
    .replace(/<[^>]+>/g, '');
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings; a repeated slug gets -1, -2, … as on GitHub. */
export function headingAnchors(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of proseLines(readFileSync(file, 'utf8'))) {
    const match = HEADING.exec(text);
    if (match === null) continue;
    const slug = headingSlug(match[2] ?? '');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Why a link does not resolve, or undefined when it does (external links are not followed). */
export function brokenReason(link: MarkdownLink): string | undefined {
  if (EXTERNAL.test(link.target)) return undefined;
  const hashAt = link.target.indexOf('#');
  const pathPart = hashAt === -1 ? link.target : link.target.slice(0, hashAt);
  const anchor = hashAt === -1 ? undefined : decodeURIComponent(link.target.slice(hashAt + 1));
  const resolved = pathPart === '' ? link.file : path.resolve(path.dirname(link.file), decodeURIComponent(pathPart));
  if (!existsSync(resolved)) return `${pathPart} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return `#${anchor} points into ${pathPart}, which is not a Markdown file`;
  if (!headingAnchors(resolved).has(anchor)) return `${pathPart === '' ? 'this file' : pathPart} has no heading #${anchor}`;
  return undefined;
}
