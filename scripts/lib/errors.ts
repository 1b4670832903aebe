// The three ways a deploy script stops: bad usage (64), a known failure (1 or a chosen code), or a bug (1 + stack).

/** sysexits.h EX_USAGE: kept apart from 1 (failure) and 2 (Terraform's "changes present"). */
export const EXIT_USAGE = 64;

/** Wrong flags or arguments; the top-level catch prints the message and a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A known, explained failure: the message is one line telling the user what to do; `code` is the exit code. */
export class ExitError extends Error {
  override name = 'ExitError';
  readonly code: number;

  constructor(code: number, message = '') {
    super(message);
    this.code = code;
  }
}
