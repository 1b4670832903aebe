// Reads the service's name and version from the nearest package.json above this module (source or dist layout).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
}

/** How far up to look: lib/ → root in the source layout, dist/ → root in the bundled one (with slack for your own layout). */
const MAX_LEVELS_UP = 3;

function parsePackageInfo(text: string, file: string): PackageInfo {
  const parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
  if (typeof parsed.name !== 'string' || typeof parsed.version !== 'string') {
    throw new Error(`${file} has no string "name" and "version"`);
  }
  return { name: parsed.name, version: parsed.version };
}

/** Name and version from this package.json file (the deploy reads the one at the root of the image's build context). */
export function readPackageJson(file: string): PackageInfo {
  return parsePackageInfo(readFileSync(file, 'utf8'), file);
}

/** Name and version from the nearest package.json at or above `startDir` (default: this module's folder). */
export function readPackageInfo(startDir: string = dirname(fileURLToPath(import.meta.url))): PackageInfo {
  let dir = startDir;
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    const candidate = join(dir, 'package.json');
    let text: string;
    try {
      text = readFileSync(candidate, 'utf8');
    } catch {
      dir = dirname(dir);
      continue;
    }
    return parsePackageInfo(text, candidate);
  }
  throw new Error(`no package.json found within ${MAX_LEVELS_UP} levels above ${startDir}`);
}
