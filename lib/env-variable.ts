// One environment variable as data: its name, default, accepted form and meaning, and the reader that parses it.

/** What a reader is handed: the value (undefined when unset or empty), a way to report a bad value, and the context. */
export interface ReadInput<Context> {
  readonly value: string | undefined;
  /** Records `NAME="<bad>" is invalid: expected <accepted><hint>`; `bad` defaults to the whole value. */
  readonly refuse: (bad?: string, hint?: string) => void;
  readonly context: Context;
}

/**
 * A variable of the configuration. `accepted` is the text after "expected" in its error message and the
 * "accepted" column of the documentation; `fallback` is the value an unset variable behaves as, written as it
 * would be in the environment, or undefined when the default is not one fixed value (`defaultNote` then says what).
 * `accepted` is plain text (it is printed to the terminal); `meaning` and `defaultNote` are Markdown (only docs show them).
 */
export interface EnvVariable<T, Context> {
  readonly name: string;
  readonly accepted: string;
  readonly fallback: string | undefined;
  readonly defaultNote?: string;
  readonly meaning: string;
  readonly read: (input: ReadInput<Context>) => T;
}

/** What every kind of variable is described by, besides its reader. */
export interface VariableText {
  readonly name: string;
  readonly meaning: string;
}

export function integerVariable<Context>(text: VariableText, fallback: number, min: number, max: number): EnvVariable<number, Context> {
  return {
    ...text,
    accepted: `an integer from ${min} to ${max}`,
    fallback: String(fallback),
    read({ value, refuse }) {
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
        refuse();
        return fallback;
      }
      return parsed;
    },
  };
}

export function oneOfVariable<T extends string, Context>(text: VariableText, allowed: readonly T[], fallback: T): EnvVariable<T, Context> {
  return {
    ...text,
    accepted: `one of ${allowed.join(' | ')}`,
    fallback,
    read({ value, refuse }) {
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        refuse();
        return fallback;
      }
      return value as T;
    },
  };
}

/** A default that is not one fixed value: `note` says what it is (for the documentation), `from` computes it. */
export interface ComputedDefault<T, Context> {
  readonly note: string;
  readonly from: (context: Context) => T;
}

/** true/1 or false/0; the default may depend on the context (FORCE_HTTPS follows NODE_ENV). */
export function booleanVariable<Context>(text: VariableText, fallback: boolean | ComputedDefault<boolean, Context>): EnvVariable<boolean, Context> {
  const fixed = typeof fallback === 'boolean';
  return {
    ...text,
    accepted: 'true | false (or 1 | 0)',
    fallback: fixed ? String(fallback) : undefined,
    ...(fixed ? {} : { defaultNote: fallback.note }),
    read({ value, refuse, context }) {
      const unset = fixed ? fallback : fallback.from(context);
      if (value === undefined) return unset;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      refuse();
      return unset;
    },
  };
}

/** A string that must match `pattern`; unset or refused, it is the computed default. */
export function patternVariable<U, Context>(
  text: VariableText,
  pattern: RegExp,
  accepted: string,
  unset: ComputedDefault<U, Context>,
): EnvVariable<string | U, Context> {
  return {
    ...text,
    accepted,
    fallback: undefined,
    defaultNote: unset.note,
    read({ value, refuse, context }) {
      if (value !== undefined && pattern.test(value)) return value;
      if (value !== undefined) refuse();
      return unset.from(context);
    },
  };
}
