// One HTTP GET with a timeout, reduced to what the checks need: status, headers, body text, or why it failed.

/** An ALB answers in milliseconds; 10 s covers a cold TLS handshake across the world. */
export const REQUEST_TIMEOUT_MS = 10_000;

export type ProbeResult =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Headers; readonly body: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly timedOut: boolean };

/** Base URL + path, without doubling or dropping the slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return timeoutMs >= 1000 ? `no answer within ${timeoutMs / 1000} s` : `no answer within ${timeoutMs} ms`;
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

export async function probe(url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ProbeResult> {
  try {
    // redirect: manual, so a redirect is seen as what it is rather than silently followed to another host.
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    const body = await response.text();
    return { kind: 'response', status: response.status, headers: response.headers, body };
  } catch (error) {
    return { kind: 'failed', reason: describeFailure(error, timeoutMs), timedOut: error instanceof Error && error.name === 'TimeoutError' };
  }
}

/** The body as a JSON object, or undefined when it is not one. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
