// Terraform's values as plain JavaScript (plus Unknown for what only an apply knows) and the built-in functions a root uses.

/** A value only AWS knows (a resource attribute, a data source) or that has no default: "(known after apply)". */
export class Unknown {
  readonly reason: string;

  constructor(reason: string) {
    this.reason = reason;
  }
}

export type Value = null | string | number | boolean | Unknown | readonly Value[] | { readonly [key: string]: Value };

/** An expression the evaluator cannot handle, with the reason; the caller adds where it was. */
export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

export function isObject(value: Value): value is { readonly [key: string]: Value } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Unknown);
}

export function isList(value: Value): value is readonly Value[] {
  return Array.isArray(value);
}

/** The first Unknown anywhere inside `value`, or undefined when it is fully known. */
export function firstUnknown(value: Value): Unknown | undefined {
  if (value instanceof Unknown) return value;
  const parts = isList(value) ? value : isObject(value) ? Object.values(value) : [];
  for (const part of parts) {
    const found = firstUnknown(part);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function describe(value: Value): string {
  if (value instanceof Unknown) return `(known after apply: ${value.reason})`;
  return JSON.stringify(value);
}

/** Terraform's automatic conversion to string: numbers and bools convert, null stays null, collections do not. */
export function toText(value: Value, where: string): string | null {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new EvaluationError(`${where} needs a string, got ${describe(value)}`);
}

function listArgument(value: Value, name: string): readonly Value[] {
  if (!isList(value)) throw new EvaluationError(`${name}() needs a list, got ${describe(value)}`);
  return value;
}

function objectArgument(value: Value, name: string): { readonly [key: string]: Value } {
  if (!isObject(value)) throw new EvaluationError(`${name}() needs a map or object, got ${describe(value)}`);
  return value;
}

function arity(name: string, args: readonly Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new EvaluationError(`${name}() takes ${expected} argument(s), got ${args.length}`);
  }
}

/** JSON with object keys sorted, as Terraform's jsonencode writes it. */
function sortedJson(value: Value): string {
  if (isList(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isObject(value)) {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson(value[key] ?? null)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

type Builtin = (args: readonly Value[]) => Value;

/** Each function here behaves as Terraform's does for the values it accepts; anything else is an EvaluationError. */
const BUILTINS: Readonly<Record<string, Builtin>> = {
  merge(args) {
    const merged: Record<string, Value> = {};
    for (const argument of args) {
      if (argument === null) continue;
      Object.assign(merged, objectArgument(argument, 'merge'));
    }
    return merged;
  },
  tostring(args) {
    arity('tostring', args, 1);
    return toText(args[0] ?? null, 'tostring()');
  },
  tonumber(args) {
    arity('tonumber', args, 1);
    const [value = null] = args;
    if (value === null || typeof value === 'number') return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    throw new EvaluationError(`tonumber() cannot convert ${describe(value)}`);
  },
  tobool(args) {
    arity('tobool', args, 1);
    const [value = null] = args;
    if (value === null || typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new EvaluationError(`tobool() cannot convert ${describe(value)}`);
  },
  join(args) {
    arity('join', args, 2, Number.POSITIVE_INFINITY);
    const separator = toText(args[0] ?? null, 'join() separator') ?? '';
    const parts: string[] = [];
    for (const list of args.slice(1)) {
      for (const item of listArgument(list, 'join')) {
        if (item instanceof Unknown) return item;
        parts.push(toText(item, 'join() element') ?? '');
      }
    }
    return parts.join(separator);
  },
  sort(args) {
    arity('sort', args, 1);
    const texts: string[] = [];
    for (const item of listArgument(args[0] ?? null, 'sort')) {
      if (item instanceof Unknown) return item;
      texts.push(toText(item, 'sort() element') ?? '');
    }
    return texts.sort();
  },
  keys(args) {
    arity('keys', args, 1);
    return Object.keys(objectArgument(args[0] ?? null, 'keys')).sort();
  },
  values(args) {
    arity('values', args, 1);
    const object = objectArgument(args[0] ?? null, 'values');
    return Object.keys(object)
      .sort()
      .map((key) => object[key] ?? null);
  },
  lookup(args) {
    arity('lookup', args, 2, 3);
    const object = objectArgument(args[0] ?? null, 'lookup');
    const key = toText(args[1] ?? null, 'lookup() key') ?? '';
    if (key in object) return object[key] ?? null;
    if (args.length === 3) return args[2] ?? null;
    throw new EvaluationError(`lookup() found no key ${JSON.stringify(key)} and has no default`);
  },
  coalesce(args) {
    for (const argument of args) {
      if (argument instanceof Unknown) return argument;
      if (argument !== null && argument !== '') return argument;
    }
    throw new EvaluationError('coalesce() got no non-null, non-empty argument');
  },
  concat(args) {
    const joined: Value[] = [];
    for (const list of args) joined.push(...listArgument(list, 'concat'));
    return joined;
  },
  length(args) {
    arity('length', args, 1);
    const [value = null] = args;
    if (typeof value === 'string') return [...value].length;
    if (isList(value)) return value.length;
    return Object.keys(objectArgument(value, 'length')).length;
  },
  contains(args) {
    arity('contains', args, 2);
    const wanted = sortedJson(args[1] ?? null);
    return listArgument(args[0] ?? null, 'contains').some((item) => sortedJson(item) === wanted);
  },
  lower(args) {
    arity('lower', args, 1);
    return toText(args[0] ?? null, 'lower()')?.toLowerCase() ?? null;
  },
  upper(args) {
    arity('upper', args, 1);
    return toText(args[0] ?? null, 'upper()')?.toUpperCase() ?? null;
  },
  jsonencode(args) {
    arity('jsonencode', args, 1);
    const [value = null] = args;
    return firstUnknown(value) ?? sortedJson(value);
  },
  jsondecode(args) {
    arity('jsondecode', args, 1);
    return JSON.parse(toText(args[0] ?? null, 'jsondecode()') ?? 'null') as Value;
  },
};

/** Calls a built-in by name. An Unknown argument makes the result Unknown, as in Terraform. */
export function callFunction(name: string, args: readonly Value[]): Value {
  const builtin = BUILTINS[name];
  if (builtin === undefined) throw new EvaluationError(`function ${name}() is not one the local rehearsal evaluates (${Object.keys(BUILTINS).join(', ')})`);
  for (const argument of args) {
    if (argument instanceof Unknown) return argument;
  }
  return builtin(args);
}

/** Deep equality of known values, as Terraform's == compares them. */
export function sameValue(left: Value, right: Value): boolean {
  return sortedJson(left) === sortedJson(right);
}
