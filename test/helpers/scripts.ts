// Helpers for the deploy-tooling tests: run a script as a real child process, copy fixtures, fake ALB, tool log.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { securityHeaders } from '../../lib/security-headers.ts';
import { runProcess } from '../../scripts/lib/process.ts';
import { TERRAFORM } from '../../scripts/lib/terraform.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const FAKE_BIN = join(FIXTURES, 'fake-bin');
/** tsx's loader as a file URL, so scripts run from any cwd (a temp git repo) still load TypeScript. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/**
 * A bound, not a timing check: a first deploy on the real provider runs terraform init and two plan/apply rounds,
 * 20–40 s alone but over 120 s on a 2-core machine with other suites running beside it.
 */
const SCRIPT_TIMEOUT_MS = 300_000;

/** The reason to skip when terraform is missing, or undefined when it runs. */
export function terraformMissing(): string | undefined {
  const result = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  return result.status === 0 ? undefined : `terraform binary missing: ${TERRAFORM.installHint} on PATH to run this test`;
}

/** A private copy of a fixture root in a temp dir, removed after the test: no state or plan lands in the repo. */
export function copyFixture(t: TestContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Child env: no colour, no AWS region leaking in from the developer's shell, the fakes first on PATH if asked. */
export function scriptEnv(extra: NodeJS.ProcessEnv = {}, options: { fakes?: boolean } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.AWS_REGION;
  delete env.AWS_DEFAULT_REGION;
  delete env.TF_VAR_image_tag;
  if (options.fakes === true) env.PATH = `${FAKE_BIN}${delimiter}${env.PATH ?? ''}`;
  return env;
}

/**
 * Runs scripts/<name>.ts with node + tsx as a separate process (not a TTY), like `npm run <name>` does; `root` runs
 * the script of a copy of the project instead of this one's.
 */
export async function runScript(
  name: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; root?: string } = {},
): Promise<ScriptResult> {
  const script = join(options.root ?? REPO_ROOT, 'scripts', `${name}.ts`);
  const result = await runProcess(process.execPath, ['--import', TSX_LOADER, script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? scriptEnv(),
    timeoutMs: SCRIPT_TIMEOUT_MS,
  });
  if (result.kind !== 'exited') throw new Error(`${name} did not exit normally: ${result.kind}`);
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

export interface ToolCall {
  readonly tool: string;
  readonly argv: string[];
  readonly stdin: string;
}

export function readToolLog(file: string): ToolCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ToolCall);
}

/** A loopback node:http server on an ephemeral port, closed after the test. */
export async function listen(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  t.after(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/**
 * The "ALB" in front of the deployed service: answers / and /health like the service does, with its security headers,
 * reporting as commit whatever `commit()` says the running tasks are (so a deploy's health wait sees what it applied).
 */
export async function startAlb(t: TestContext, commit: () => string): Promise<string> {
  const { url } = await listen(t, (req, res) => {
    for (const [name, value] of securityHeaders()) res.setHeader(name, value);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/health') {
      res.end(JSON.stringify({ status: 'ok', version: '1.0.0', commit: commit() }));
      return;
    }
    res.end(JSON.stringify({ message: 'Hello, World' }));
  });
  return url;
}
