// Runs pieces of the project's workflows without GitHub: a step's `npm run` command as words, and drift.yml's issue script.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './scripts.ts';

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, string>;
}

/** The first step of `job` in .github/workflows/<file> for which `matches` is true. */
export function workflowStep(file: string, job: string, matches: (step: Step) => boolean): Step {
  const workflow = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  const step = workflow.jobs[job]?.steps.find(matches);
  assert.ok(step !== undefined, `${file}: no such step in job ${job}`);
  return step;
}

/**
 * The words of the `npm run …` line in a step's script, with $VAR and "$VAR" expanded from `vars` and the shell
 * redirection cut off: the command exactly as the workflow runs it, without a shell.
 */
export function npmCommand(script: string, vars: Readonly<Record<string, string>>): { name: string; args: string[] } {
  const line = script.split('\n').find((candidate) => /^\s*npm run\b/.test(candidate));
  assert.ok(line !== undefined, `no npm run line in:\n${script}`);
  const words: string[] = [];
  for (const match of line.replace(/\s>.*$/, '').matchAll(/"([^"]*)"|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? '';
    words.push(
      word.replace(/\$\{?([A-Z_]+)\}?/g, (_all, name: string) => {
        const value = vars[name];
        assert.ok(value !== undefined, `the workflow command uses $${name}, which the test does not provide`);
        return value;
      }),
    );
  }
  // npm run [--silent] <script> -- <args>
  const separator = words.indexOf('--');
  const name = words.slice(2, separator).find((word) => !word.startsWith('-'));
  assert.ok(name !== undefined && separator > 0, `cannot read the npm script from: ${line}`);
  return { name, args: words.slice(separator + 1) };
}

export interface IssueCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

type AsyncScript = (...args: unknown[]) => Promise<unknown>;
/** What actions/github-script does with `script`: the body of an async function of require, github, context, core. */
const AsyncFunction = (Object.getPrototypeOf(async function body() {
  await Promise.resolve();
}) as { constructor: new (...args: string[]) => AsyncScript }).constructor;

/**
 * Runs drift.yml's report job (its actions/github-script body) as GitHub would after a check that exited with
 * `status` and wrote `report`, against a recording fake of the issues API; `openIssues` are the open `drift` issues.
 * Returns the issue API calls it made.
 */
export async function runDriftReportJob(status: number, report: string, openIssues: ReadonlyArray<{ number: number; body: string }> = []): Promise<IssueCall[]> {
  const step = workflowStep('drift.yml', 'report', (candidate) => candidate.uses?.startsWith('actions/github-script@') === true);
  const script = step.with?.script;
  assert.ok(script !== undefined, 'drift.yml: the report step has no script');
  const dir = mkdtempSync(join(tmpdir(), 'drift-report-'));
  try {
    const reportFile = join(dir, 'drift.md');
    writeFileSync(reportFile, report);
    const calls: IssueCall[] = [];
    const record = (method: string) => (params: Record<string, unknown>) => {
      calls.push({ method, params });
      return Promise.resolve({ data: { number: 99 } });
    };
    const github = {
      paginate: (_list: unknown, params: Record<string, unknown>) => {
        calls.push({ method: 'issues.listForRepo', params });
        return Promise.resolve(openIssues);
      },
      rest: {
        issues: {
          listForRepo: record('issues.listForRepo'),
          createComment: record('issues.createComment'),
          update: record('issues.update'),
          getLabel: record('issues.getLabel'),
          createLabel: record('issues.createLabel'),
          create: record('issues.create'),
        },
      },
    };
    const context = { repo: { owner: 'owner', repo: 'repo' }, serverUrl: 'https://github.com', runId: 1 };
    const core = { info: () => undefined };
    // Only what the job's `env:` gives the script: the check's exit status as its output, and the report's path.
    const env = { DRIFT_STATUS: String(status), REPORT_FILE: reportFile };
    await new AsyncFunction('require', 'github', 'context', 'core', 'process', script)(createRequire(import.meta.url), github, context, core, { env });
    return calls;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
