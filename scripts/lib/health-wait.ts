// Polls <service_url>/health until it reports the deployed image tag as its commit, with progress and a deadline.
import { HEALTH_PATH } from '../../lib/service-state.ts';
import { jsonObject, joinUrl, probe, REQUEST_TIMEOUT_MS } from './http-probe.ts';

export interface HealthWaitOptions {
  readonly serviceUrl: string;
  readonly expectedCommit: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Called after every attempt; the caller decides how to print it. */
  readonly onProgress?: (progress: HealthProgress) => void;
}

export interface HealthProgress {
  readonly elapsedMs: number;
  readonly attempts: number;
  /** e.g. "200 commit=abc123", "503 draining", "ECONNREFUSED". */
  readonly lastStatus: string;
}

export type HealthWaitResult =
  | ({ readonly kind: 'healthy' } & HealthProgress)
  | ({ readonly kind: 'timed-out' } & HealthProgress);

/** A short description of one /health answer, and whether it is the one we wait for. */
export function describeHealth(status: number, body: string, expectedCommit: string): { text: string; matches: boolean } {
  const json = jsonObject(body);
  const reported = json === undefined ? 'non-JSON body' : `status=${JSON.stringify(json.status)} commit=${JSON.stringify(json.commit ?? null)}`;
  return { text: `${status} ${reported}`, matches: status === 200 && json?.status === 'ok' && json.commit === expectedCommit };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * During an ECS rolling deploy the ALB serves old and new tasks side by side, so one matching answer proves the new
 * tasks are in service; old ones drain afterwards. Each attempt gets the time left as its own timeout.
 */
export async function waitForHealthyCommit(options: HealthWaitOptions): Promise<HealthWaitResult> {
  const url = joinUrl(options.serviceUrl, HEALTH_PATH);
  const started = Date.now();
  let attempts = 0;
  let lastStatus = 'no answer yet';
  for (;;) {
    attempts += 1;
    const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
    const attemptTimeoutMs = Math.min(remaining, REQUEST_TIMEOUT_MS);
    const result = await probe(url, attemptTimeoutMs);
    let matches = false;
    if (result.kind === 'response') {
      const health = describeHealth(result.status, result.body, options.expectedCommit);
      lastStatus = health.text;
      matches = health.matches;
    } else if (!(result.timedOut && attemptTimeoutMs < REQUEST_TIMEOUT_MS && attempts > 1)) {
      // An attempt cut short by the overall deadline says nothing about the service: keep the last real answer.
      lastStatus = result.reason;
    }
    const progress = { elapsedMs: Date.now() - started, attempts, lastStatus };
    options.onProgress?.(progress);
    if (matches) return { kind: 'healthy', ...progress };
    if (Date.now() - started + options.intervalMs > options.timeoutMs) return { kind: 'timed-out', ...progress };
    await sleep(options.intervalMs);
  }
}
