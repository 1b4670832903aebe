// `npm run build`: bundles the server and the container health check into dist/, one ES module file each.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist');

/**
 * One file per entry point instead of one per module: a cold start then reads, compiles and links a single
 * module, which the bench measured at about 14 ms faster than tsc's 17-file output (see bench/README.md).
 * esbuild only strips the types; `npm run typecheck` (tsc, strict) is what checks them.
 */
export async function buildDist() {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['server.ts', 'scripts/healthcheck.ts'],
    outbase: '.',
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The service has no runtime dependencies: a package import stays an import and fails loudly without node_modules.
    packages: 'external',
    // Names stay readable in stack traces and CPU profiles; the service is small enough not to need minifying.
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await buildDist();
