// `npm start` pre-step: builds dist/ when it is missing or older than a source file, so a fresh clone just starts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const output = join(root, 'dist', 'server.js');

function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (path.endsWith('.ts') || path.endsWith('.mjs')) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const entry of ['server.ts', 'lib', join('scripts', 'healthcheck.ts'), join('scripts', 'build.mjs')]) {
    const path = join(root, entry);
    if (existsSync(path)) visit(path);
  }
  return newest;
}

if (existsSync(output) && statSync(output).mtimeMs >= newestSource()) process.exit(0);

let buildDist;
try {
  ({ buildDist } = await import('./build.mjs'));
} catch (error) {
  process.stderr.write(`dist/ is missing or stale and the build tools are not installed (${error.code ?? error.message}): run \`npm ci\` first\n`);
  process.exit(1);
}
process.stderr.write('building dist/ ...\n');
await buildDist();
