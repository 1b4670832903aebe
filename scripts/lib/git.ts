// The git facts a deploy needs: the commit to tag the image with, whether the tree is clean, and the repository root.
import { ExitError } from './errors.ts';
import { expectExit, runProcess, type Runner, type ToolDescription } from './process.ts';

const GIT: ToolDescription = { program: 'git', installHint: 'install git (the image is tagged with the commit SHA)' };

export interface GitState {
  readonly root: string;
  readonly commit: string;
  /** `git status --porcelain` lines: uncommitted or untracked files that would go into the image unnoticed. */
  readonly dirtyFiles: readonly string[];
}

export async function readGitState(run: Runner = runProcess, cwd = process.cwd()): Promise<GitState> {
  const rootResult = await run('git', ['rev-parse', '--show-toplevel'], { cwd });
  if (rootResult.kind === 'exited' && rootResult.code !== 0) {
    throw new ExitError(1, `${cwd} is not inside a git repository; the image is tagged with the commit, so build from a clone (or pass --image-tag)`);
  }
  const root = expectExit(rootResult, GIT, 'git rev-parse --show-toplevel').stdout.trim();
  const commit = expectExit(await run('git', ['rev-parse', '--verify', 'HEAD'], { cwd: root }), GIT, 'git rev-parse HEAD').stdout.trim();
  const status = expectExit(await run('git', ['status', '--porcelain'], { cwd: root }), GIT, 'git status').stdout;
  const dirtyFiles = status.split('\n').filter((line) => line.trim() !== '');
  return { root, commit, dirtyFiles };
}
