// Test helper: a Runner that records every call and answers from a script, so the adapters run without their programs.
import type { RunOptions, RunResult, Runner } from '../../scripts/lib/process.ts';

export interface RecordedCall {
  readonly program: string;
  readonly args: readonly string[];
  readonly options: RunOptions;
}

export function exited(code: number, stdout = '', stderr = ''): RunResult {
  return { kind: 'exited', code, stdout, stderr };
}

/** "program arg arg …", for comparing the calls at a glance. */
export function commandLine(call: RecordedCall): string {
  return [call.program, ...call.args].join(' ');
}

/** Answers each call with `answer(call)` (default: a clean exit with no output) and keeps the calls in order. */
export function recordingRunner(answer: (call: RecordedCall) => RunResult = () => exited(0)): { run: Runner; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const run: Runner = (program, args, options = {}) => {
    const call: RecordedCall = { program, args: [...args], options };
    calls.push(call);
    return Promise.resolve(answer(call));
  };
  return { run, calls };
}
