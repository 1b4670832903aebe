// Test helper: evaluates .dockerignore patterns as Docker does (the Dockerfile itself is read by scripts/lib/dockerfile.ts).

interface IgnoreRule {
  readonly pattern: RegExp;
  /** The pattern's literal directory prefix, used to tell whether an exception can reach inside a folder. */
  readonly source: string;
  readonly exclusion: boolean;
}

/**
 * Translates one Docker ignore pattern to a RegExp, following moby/patternmatcher: `**` spans any number of
 * path segments (including none), `*` and `?` stay within one segment, a leading `/` is dropped.
 */
function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? '';
    if (char === '*' && pattern[index + 1] === '*') {
      index++;
      if (pattern[index + 1] === '/') {
        index++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

export interface DockerIgnore {
  /** True when the file or folder at this context-relative path (forward slashes) is left out of the context. */
  isExcluded(path: string): boolean;
  /** True when some `!` exception could re-admit a path inside this excluded folder. */
  mayReadmitInside(folder: string): boolean;
}

export function parseDockerIgnore(content: string): DockerIgnore {
  const rules: IgnoreRule[] = [];
  for (const rawLine of content.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    const cleaned = (exclusion ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
    if (cleaned === '') continue;
    rules.push({ pattern: patternToRegExp(cleaned), source: cleaned, exclusion });
  }

  // A pattern that matches a folder also excludes everything in it, so each parent path is tested too.
  function matches(rule: IgnoreRule, path: string): boolean {
    const segments = path.split('/');
    for (let length = segments.length; length >= 1; length--) {
      if (rule.pattern.test(segments.slice(0, length).join('/'))) return true;
    }
    return false;
  }

  return {
    isExcluded(path) {
      let excluded = false;
      for (const rule of rules) {
        if (matches(rule, path)) excluded = !rule.exclusion;
      }
      return excluded;
    },
    mayReadmitInside(folder) {
      return rules.some((rule) => rule.exclusion && (rule.source.startsWith(`${folder}/`) || rule.source.startsWith('*')));
    },
  };
}
