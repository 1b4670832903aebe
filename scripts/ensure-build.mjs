// `npm start` pre-step: compiles to dist/ when it is missing or older than a source file, so a fresh clone just starts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const output = join(root, 'dist', 'server.js');

function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (path.endsWith('.ts') || path.endsWith('.json')) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const entry of ['server.ts', 'lib', join('scripts', 'healthcheck.ts'), 'tsconfig.json', 'tsconfig.build.json']) {
    const path = join(root, entry);
    if (existsSync(path)) visit(path);
  }
  return newest;
}

if (existsSync(output) && statSync(output).mtimeMs >= newestSource()) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('dist/ is missing or stale and TypeScript is not installed: run `npm ci` first\n');
  process.exit(1);
}
process.stderr.write('building dist/ ...\n');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
