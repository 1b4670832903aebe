// One target-group health check: GET <path> on a fresh connection, passed when the status matches the matcher in time.
import { request } from 'node:http';

export type CheckResult = { readonly passed: true } | { readonly passed: false; readonly reason: string };

/** The ALB health checker's User-Agent, so the replica's access log shows the same line it shows in AWS. */
const USER_AGENT = 'ELB-HealthChecker/2.0';

/** A matcher as the target group writes it: "200", "200,202" or "200-299" (and combinations). */
export function matchesStatus(matcher: string, status: number): boolean {
  for (const part of matcher.split(',')) {
    const [low, high] = part.trim().split('-');
    const from = Number(low);
    const to = high === undefined ? from : Number(high);
    if (status >= from && status <= to) return true;
  }
  return false;
}

/** Checks http://host:port<path>; the connection is closed after each check, as the ALB's checker does. */
export function checkHealth(host: string, port: number, path: string, matcher: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({ host, port, path, method: 'GET', agent: false, headers: { 'User-Agent': USER_AGENT, Connection: 'close' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => settle(matchesStatus(matcher, status) ? { passed: true } : { passed: false, reason: `answered ${status}, expected ${matcher}` }));
      res.on('error', (error: NodeJS.ErrnoException) => settle({ passed: false, reason: error.code ?? error.message }));
    });
    const timer = setTimeout(() => settle({ passed: false, reason: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => settle({ passed: false, reason: error.code ?? error.message }));
    req.end();
  });
}
