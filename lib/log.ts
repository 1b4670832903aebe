// Structured JSON-line logger: info and below to stdout, warn and error to stderr, batched once per tick.
import type { LogLevel } from './config.ts';

export interface LogSink {
  write(chunk: string): unknown;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Characters JSON.stringify leaves raw that line-oriented tools treat as line breaks or terminal controls: the C1
 * controls U+0080–U+009F (NEL, CSI, …) and the Unicode line and paragraph separators. Request data decoded as
 * latin1 (paths, header values) can carry the C1 ones.
 */
const RAW_CONTROL = /[\u0080-\u009f\u2028\u2029]/;
const RAW_CONTROLS = /[\u0080-\u009f\u2028\u2029]/g;

function escapeControl(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Serialised JSON with those characters escaped (\u0085, \u2028), the way JSON.stringify escapes C0 controls. */
export function escapeControls(json: string): string {
  return RAW_CONTROL.test(json) ? json.replace(RAW_CONTROLS, escapeControl) : json;
}

/** What JSON.stringify writes unchanged between its quotes: printable ASCII other than `"` and `\`. */
const PLAIN_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Whether `value` is plain JSON, for a short value: the loop costs some 30 instructions per character, a regular
 * expression about 300 to call, and JSON.stringify, a runtime call, well over 1 000 (callgrind).
 */
function isShortPlainJson(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** Up to this length the loop is cheaper than calling the regular expression: a path like `/` or `/health`. */
const SHORT_VALUE_LENGTH = 12;

function isPlainJson(value: string): boolean {
  return value.length <= SHORT_VALUE_LENGTH ? isShortPlainJson(value) : PLAIN_JSON.test(value);
}

/** JSON.stringify(value) for a method or an address (no C1 controls can reach them), quoted directly when plain. */
function jsonLiteral(value: string): string {
  return isPlainJson(value) ? `"${value}"` : JSON.stringify(value);
}

/**
 * A JSON string literal for a value that may come from the request, quoted directly when nothing needs escaping: the
 * regular expression scans a trace id in a fraction of what JSON.stringify and escapeControls cost.
 */
export function jsonString(value: string): string {
  return isPlainJson(value) ? `"${value}"` : escapeControls(JSON.stringify(value));
}

/** What goes between the quotes of `value`'s JSON string literal (jsonString's), the value itself when it is plain. */
function jsonContent(value: string): string {
  return isPlainJson(value) ? value : jsonString(value).slice(1, -1);
}

/** `.5`, `.25`, `.125`: the fractions of a millisecond as JavaScript prints them, by whole microseconds (0 is ''). */
const MICROSECOND_FRACTIONS: readonly string[] = Array.from({ length: 1000 }, (_, micros) =>
  micros === 0 ? '' : `.${String(micros).padStart(3, '0').replace(/0+$/, '')}`,
);
/** Up to here the whole milliseconds are a small integer (a Smi), whose text V8 keeps in a cache. */
const MAX_FORMATTED_MICROS = 2 ** 31 - 1;

/**
 * `String(Math.round(ms * 1000) / 1000)`: milliseconds to the microsecond, without the double-to-text conversion
 * (FastDtoa, about 500 instructions per line; callgrind): the whole milliseconds and the fraction, from a table.
 */
export function durationText(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (!(micros >= 0 && micros <= MAX_FORMATTED_MICROS)) return String(micros / 1000);
  const whole = Math.floor(micros / 1000);
  return `${whole}${MICROSECOND_FRACTIONS[micros - whole * 1000] as string}`;
}

/**
 * The request id as a JSON string literal: the trace id the request carried (escaped: header values are latin1 and
 * can hold C1 controls), or else a new random UUID, which needs no escaping. The Web Crypto global: importing
 * node:crypto instead loads 17 internal modules at start-up (the bench's cold start).
 */
export function requestIdJson(traceId: string | undefined): string {
  return traceId === undefined ? `"${crypto.randomUUID()}"` : jsonString(traceId);
}

/**
 * The members of one access line, for Logger#access: for the answers given outside the pipeline (raw-response.ts),
 * where method, path and duration are null when no request was parsed. Requests the pipeline answers take the hot
 * path, servedMembers, which writes the same text. The method is a token (Node's parser allows nothing else) and the
 * client an address; the path is escaped in case the parser is made lenient.
 */
export function accessMembers(
  method: string | null,
  path: string | null,
  status: number,
  durationMs: number | null,
  client: string,
  /** From requestIdJson. */
  requestId: string,
  bytes: number,
): string {
  return (
    `"method":${method === null ? 'null' : jsonLiteral(method)},"path":${path === null ? 'null' : jsonString(path)},` +
    `"status":${status},"duration_ms":${durationMs},"client":${jsonLiteral(client)},"request_id":${requestId},"bytes":${bytes}`
  );
}

/**
 * accessMembers for a request the pipeline answered, built for the hot path: every quoted value is quoted by the
 * template (a string literal costs two concatenations of its own) and the duration is formatted from microseconds.
 * `elapsedMs` is unrounded; `traceId` undefined gets a new random UUID. The same text as accessMembers would write
 * (test/log-lines.test.ts).
 */
export function servedMembers(
  method: string,
  path: string,
  status: number,
  elapsedMs: number,
  client: string,
  traceId: string | undefined,
  bytes: number,
): string {
  const requestId = traceId === undefined ? crypto.randomUUID() : jsonContent(traceId);
  return (
    `${methodPathMember(method)}${jsonContent(path)}${statusDurationMember(status)}${durationText(elapsedMs)},` +
    `"client":"${jsonContent(client)}","request_id":"${requestId}","bytes":${bytes}`
  );
}

/**
 * Remembers the string built for the last value. Nearly every line repeats the method and the status of the one
 * before (GET, 200), so the line's constant pieces around them are joined once instead of on every line (each
 * concatenation is a string allocation; callgrind).
 */
function rememberLast<T extends string | number>(build: (value: T) => string): (value: T) => string {
  let last: T | undefined;
  let built = '';
  return (value) => {
    if (value !== last) {
      last = value;
      built = build(value);
    }
    return built;
  };
}

/** `"method":"GET","path":"`, up to the path's text. */
const methodPathMember = rememberLast((method: string) => `"method":${jsonLiteral(method)},"path":"`);

/** `","status":200,"duration_ms":`, from the path's closing quote to the duration's value. */
const statusDurationMember = rememberLast((status: number) => `","status":${status},"duration_ms":`);

export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Lines are queued and written with one `write` per stream per event-loop turn: a request costs a string
 * concatenation, not a syscall. `flush()` writes the queue at once (used before exit).
 */
export class Logger {
  readonly accessEnabled: boolean;
  readonly #minRank: number;
  readonly #stdout: LogSink;
  readonly #stderr: LogSink;
  #outQueue = '';
  #errQueue = '';
  #scheduled = false;
  readonly #timestamps = new IsoTimestamps();

  constructor(level: LogLevel, stdout: LogSink, stderr: LogSink) {
    this.#minRank = LEVEL_RANK[level];
    this.accessEnabled = this.#minRank <= LEVEL_RANK.info;
    this.#stdout = stdout;
    this.#stderr = stderr;
  }

  debug(msg: string, fields?: LogFields): void {
    this.#event('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#event('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#event('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#event('error', msg, fields);
  }

  /** One access line; the caller checks `accessEnabled` first and passes pre-serialised JSON members. */
  access(members: string): void {
    // The line stays a rope of a dozen small strings until the flush, whose write copies it flat once. Flattening it
    // here with join() cost more than the rope: the young-generation GC copies a rope that is still queued when it
    // runs (callgrind: about +480 instructions per request with 64 busy connections), but the join cost about
    // 1 000 per line, and with one line per event-loop turn the rope is never copied at all.
    this.#outQueue += `{"time":"${this.#now()}","level":"info","msg":"request",${members}}\n`;
    this.#schedule();
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#outQueue !== '') {
      const out = this.#outQueue;
      this.#outQueue = '';
      this.#stdout.write(out);
    }
    if (this.#errQueue !== '') {
      const err = this.#errQueue;
      this.#errQueue = '';
      this.#stderr.write(err);
    }
  }

  #event(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    const rank = LEVEL_RANK[level];
    if (rank < this.#minRank) return;
    const line = `${escapeControls(JSON.stringify({ time: this.#now(), level, msg, ...fields }, errorReplacer))}\n`;
    if (rank >= LEVEL_RANK.warn) this.#errQueue += line;
    else this.#outQueue += line;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  #now(): string {
    return this.#timestamps.format(Date.now());
  }
}

/** `000Z` to `999Z`: the end of an ISO timestamp, by millisecond. */
const MILLISECONDS_Z: readonly string[] = Array.from({ length: 1000 }, (_, milli) => `${String(milli).padStart(3, '0')}Z`);

/**
 * `Date#toISOString` goes through V8's printf-style formatter, about 5 000 instructions (callgrind), which a
 * service answering fewer than one request per millisecond would pay on every line. The part up to the seconds
 * is formatted once per second here and the milliseconds appended; lines within one millisecond share the string.
 */
export class IsoTimestamps {
  #second = Number.NaN;
  #prefix = '';
  #lastMs = Number.NaN;
  #lastText = '';

  /** The same string as `new Date(ms).toISOString()` for whole milliseconds from 1970 to 9999. */
  format(ms: number): string {
    if (ms === this.#lastMs) return this.#lastText;
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      // "YYYY-MM-DDTHH:mm:ss.sssZ" without "sssZ".
      this.#prefix = new Date(second * 1000).toISOString().slice(0, -4);
    }
    this.#lastMs = ms;
    this.#lastText = `${this.#prefix}${MILLISECONDS_Z[ms - second * 1000] as string}`;
    return this.#lastText;
  }
}

/** Errors become {name, message, stack} so a log line says what went wrong; the stack stays in the log only. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
