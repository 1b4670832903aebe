// Evaluates Terraform expressions from hcl2json's output: HCL's own parser (getExpressionAst) builds the tree, this walks it.
import { getExpressionAst, type TFExpressionSyntaxTree } from '@cdktf/hcl2json';
import { ExitError } from './errors.ts';
import { callFunction, describe, EvaluationError, isList, isObject, sameValue, toText, Unknown, type Value } from './hcl-functions.ts';

type Node = TFExpressionSyntaxTree.ExpressionType;
type TraversalPart = TFExpressionSyntaxTree.TerraformTraversalPart;

/** Where `var.*` and `local.*` come from; both may answer Unknown. */
export interface Scope {
  variable(name: string, file: string): Promise<Value>;
  local(name: string, file: string): Promise<Value>;
}

interface Context {
  readonly file: string;
  /** The expression text as bytes: the tree's ranges are byte offsets. */
  readonly source: Buffer;
  readonly scope: Scope;
  /** The variables of enclosing `for` expressions. */
  readonly bindings: ReadonlyMap<string, Value>;
}

/** Reference roots that name no resource, and what Terraform fills them with (none of it is known here). */
const UNKNOWN_ROOTS: Readonly<Record<string, string>> = {
  data: 'is read from AWS when Terraform runs',
  module: 'comes from a child module',
  path: 'is set by Terraform',
  terraform: 'is set by Terraform',
  count: 'exists only inside a counted block',
  each: 'exists only inside a for_each block',
  self: 'exists only inside a provisioner',
};

const COMPARISONS: Readonly<Record<string, (left: number, right: number) => boolean>> = {
  greaterThan: (left, right) => left > right,
  greaterThanOrEqual: (left, right) => left >= right,
  lessThan: (left, right) => left < right,
  lessThanOrEqual: (left, right) => left <= right,
};

const ARITHMETIC: Readonly<Record<string, (left: number, right: number) => number>> = {
  add: (left, right) => left + right,
  subtract: (left, right) => left - right,
  multiply: (left, right) => left * right,
  divide: (left, right) => left / right,
  modulo: (left, right) => left % right,
};

function textOf(node: Node | { range: Node['range'] }, context: Context): string {
  return context.source.subarray(node.range.start.byte, node.range.end.byte).toString('utf8');
}

function child(node: Node, index: number): Node {
  const found = node.children[index];
  if (found === undefined) throw new EvaluationError(`a ${node.type} expression is missing part ${index + 1}`);
  return found;
}

function asBoolean(value: Value, where: string): boolean {
  if (typeof value !== 'boolean') throw new EvaluationError(`${where} needs a bool, got ${describe(value)}`);
  return value;
}

function asNumber(value: Value, where: string): number {
  if (typeof value !== 'number') throw new EvaluationError(`${where} needs a number, got ${describe(value)}`);
  return value;
}

/** `value.name` or `value[key]`; an Unknown stays Unknown. */
function access(value: Value, key: string | number, where: string): Value {
  if (value instanceof Unknown) return value;
  if (isList(value) && typeof key === 'number') {
    const item = value[key];
    if (item === undefined) throw new EvaluationError(`${where}: index ${key} is out of range (${value.length} elements)`);
    return item;
  }
  if (isObject(value)) {
    const text = String(key);
    if (!(text in value)) throw new EvaluationError(`${where}: no attribute or key ${JSON.stringify(text)}`);
    return value[text] ?? null;
  }
  throw new EvaluationError(`${where}: cannot look up ${JSON.stringify(key)} in ${describe(value)}`);
}

function applyTraversal(start: Value, parts: readonly TraversalPart[], where: string): Value {
  let value = start;
  for (const part of parts) {
    const key = part.type === 'indexTraversal' ? (JSON.parse(part.segment) as string | number) : part.segment;
    value = access(value, key, where);
  }
  return value;
}

async function evaluateReference(node: TFExpressionSyntaxTree.ScopeTraversalExpression, context: Context): Promise<Value> {
  const [root, name, ...rest] = node.meta.traversal;
  const where = node.meta.fullAccessor;
  if (root === undefined) throw new EvaluationError('an empty reference');
  const bound = context.bindings.get(root.segment);
  if (bound !== undefined) return applyTraversal(bound, node.meta.traversal.slice(1), where);
  if ((root.segment === 'var' || root.segment === 'local') && name !== undefined) {
    const start = root.segment === 'var' ? await context.scope.variable(name.segment, context.file) : await context.scope.local(name.segment, context.file);
    return applyTraversal(start, rest, where);
  }
  const unknownRoot = UNKNOWN_ROOTS[root.segment];
  if (unknownRoot !== undefined) return new Unknown(`${where} ${unknownRoot}`);
  // Anything else is a resource: its attributes exist only once AWS has created it.
  return new Unknown(`${where} is known only after apply`);
}

async function evaluateObject(node: Node, context: Context): Promise<Value> {
  const object: Record<string, Value> = {};
  for (let index = 0; index + 1 < node.children.length; index += 2) {
    const keyNode = child(node, index);
    // A bare key is the key node's own text; a quoted or parenthesised one is an expression inside it.
    // (The parser marks key nodes with an empty type, which its type definitions leave out.)
    let inner: Node | undefined = keyNode.children[0];
    while (inner !== undefined && (inner.type as string) === '') inner = inner.children[0];
    const key = inner === undefined ? textOf(keyNode, context) : toText(await evaluateNode(inner, context), 'an object key');
    if (key === null) throw new EvaluationError('an object key is null');
    object[key] = await evaluateNode(child(node, index + 1), context);
  }
  return object;
}

async function evaluateTemplate(node: Node, context: Context): Promise<Value> {
  let text = '';
  for (const part of node.children) {
    const value = await evaluateNode(part, context);
    if (value instanceof Unknown) return value;
    const piece = toText(value, 'a string template');
    if (piece === null) throw new EvaluationError('a string template contains null');
    text += piece;
  }
  return text;
}

async function evaluateFor(node: TFExpressionSyntaxTree.ForExpression, context: Context): Promise<Value> {
  const { keyVar, valVar, keyExpression, conditionalExpression } = node.meta;
  const makesObject = keyExpression !== undefined && keyExpression !== '';
  const hasCondition = conditionalExpression !== undefined && conditionalExpression !== '';
  if (node.meta.groupedValue) throw new EvaluationError('grouping (...) in a for expression is not supported');
  const collection = await evaluateNode(child(node, 0), context);
  if (collection instanceof Unknown) return collection;
  let entries: Array<[Value, Value]>;
  if (isList(collection)) entries = collection.map((item, index) => [index, item]);
  else if (isObject(collection)) entries = Object.keys(collection).sort().map((key) => [key, collection[key] ?? null]);
  else throw new EvaluationError(`a for expression needs a list or map, got ${describe(collection)}`);

  const keyNode = makesObject ? child(node, 1) : undefined;
  const valueNode = child(node, makesObject ? 2 : 1);
  const conditionNode = hasCondition ? child(node, makesObject ? 3 : 2) : undefined;
  const list: Value[] = [];
  const object: Record<string, Value> = {};
  for (const [key, item] of entries) {
    const bindings = new Map(context.bindings);
    if (keyVar !== '') bindings.set(keyVar, key);
    bindings.set(valVar, item);
    const inner = { ...context, bindings };
    if (conditionNode !== undefined) {
      const keep = await evaluateNode(conditionNode, inner);
      if (keep instanceof Unknown) return keep;
      if (!asBoolean(keep, 'a for expression condition')) continue;
    }
    const value = await evaluateNode(valueNode, inner);
    if (keyNode === undefined) {
      list.push(value);
      continue;
    }
    const objectKey = await evaluateNode(keyNode, inner);
    if (objectKey instanceof Unknown) return objectKey;
    object[toText(objectKey, 'a for expression key') ?? ''] = value;
  }
  return keyNode === undefined ? list : object;
}

async function evaluateBinary(node: TFExpressionSyntaxTree.BinaryOpExpression, context: Context): Promise<Value> {
  const { operator } = node.meta;
  const left = await evaluateNode(child(node, 0), context);
  const right = await evaluateNode(child(node, 1), context);
  if (left instanceof Unknown) return left;
  if (right instanceof Unknown) return right;
  if (operator === 'equal') return sameValue(left, right);
  if (operator === 'notEqual') return !sameValue(left, right);
  if (operator === 'logicalAnd') return asBoolean(left, '&&') && asBoolean(right, '&&');
  if (operator === 'logicalOr') return asBoolean(left, '||') || asBoolean(right, '||');
  const comparison = COMPARISONS[operator];
  if (comparison !== undefined) return comparison(asNumber(left, operator), asNumber(right, operator));
  const arithmetic = ARITHMETIC[operator];
  if (arithmetic !== undefined) return arithmetic(asNumber(left, operator), asNumber(right, operator));
  throw new EvaluationError(`operator ${operator} is not supported`);
}

async function evaluateNode(node: Node, context: Context): Promise<Value> {
  switch (node.type) {
    case 'literalValue': {
      const { type, value } = node.meta;
      if (type === 'string') return value;
      if (type === 'number') return Number(value);
      if (type === 'bool') return value === 'true';
      if (value === 'null') return null;
      throw new EvaluationError(`literal ${value} of type ${type} is not supported`);
    }
    case 'template':
      return evaluateTemplate(node, context);
    case 'templateWrap':
      return evaluateNode(child(node, 0), context);
    case 'tuple': {
      const items: Value[] = [];
      for (const item of node.children) items.push(await evaluateNode(item, context));
      return items;
    }
    case 'object':
      return evaluateObject(node, context);
    case 'scopeTraversal':
      return evaluateReference(node, context);
    case 'relativeTraversal':
      return applyTraversal(await evaluateNode(child(node, 0), context), node.meta.traversal, node.meta.value);
    case 'index': {
      const collection = await evaluateNode(child(node, 0), context);
      const key = await evaluateNode(child(node, 1), context);
      if (key instanceof Unknown) return key;
      if (typeof key !== 'string' && typeof key !== 'number') throw new EvaluationError(`an index must be a string or number, got ${describe(key)}`);
      return access(collection, key, node.meta.value);
    }
    case 'function': {
      if (node.meta.expandedFinalArgument) throw new EvaluationError(`${node.meta.name}(... ) with an expanded argument is not supported`);
      const args: Value[] = [];
      for (const argument of node.children) args.push(await evaluateNode(argument, context));
      return callFunction(node.meta.name, args);
    }
    case 'conditional': {
      const condition = await evaluateNode(child(node, 0), context);
      if (condition instanceof Unknown) return condition;
      return evaluateNode(child(node, asBoolean(condition, 'a condition') ? 1 : 2), context);
    }
    case 'binaryOp':
      return evaluateBinary(node, context);
    case 'unaryOp': {
      const operand = await evaluateNode(child(node, 0), context);
      if (operand instanceof Unknown) return operand;
      if (node.meta.operator === 'logicalNot') return !asBoolean(operand, '!');
      if (node.meta.operator === 'negate') return -asNumber(operand, '-');
      throw new EvaluationError(`operator ${node.meta.operator} is not supported`);
    }
    case 'for':
      return evaluateFor(node, context);
    default:
      throw new EvaluationError(`${node.type || 'this'} expression ${JSON.stringify(textOf(node, context))} is not supported`);
  }
}

async function parse(file: string, text: string): Promise<Node | null> {
  try {
    return await getExpressionAst(file, text);
  } catch {
    return null;
  }
}

/** hcl2json writes an expression as "${expr}" and a template as its text with ${...} parts: parse either. */
async function parseHclString(file: string, text: string): Promise<{ node: Node; source: string }> {
  if (text.startsWith('${') && text.endsWith('}')) {
    const inner = text.slice(2, -1);
    const node = await parse(file, inner);
    if (node !== null) return { node, source: inner };
  }
  const quoted = `"${text}"`;
  const node = await parse(file, quoted);
  if (node === null) throw new ExitError(1, `${file}: cannot parse ${JSON.stringify(text.slice(0, 120))} as a Terraform expression`);
  return { node, source: quoted };
}

async function evaluateParsed(node: Node, source: string, file: string, scope: Scope): Promise<Value> {
  try {
    return await evaluateNode(node, { file, source: Buffer.from(source, 'utf8'), scope, bindings: new Map() });
  } catch (error) {
    if (error instanceof EvaluationError) throw new ExitError(1, `${file}: cannot evaluate ${JSON.stringify(source.slice(0, 120))}: ${error.message}`);
    throw error;
  }
}

/**
 * Turns an hcl2json value into a Terraform value: literals as they are, "${...}" strings evaluated in `scope`.
 * A construct the evaluator does not know is an ExitError naming the file and the expression.
 */
export async function evaluateJson(raw: unknown, file: string, scope: Scope): Promise<Value> {
  if (typeof raw === 'string') {
    if (!raw.includes('${')) return raw;
    const { node, source } = await parseHclString(file, raw);
    return evaluateParsed(node, source, file, scope);
  }
  if (Array.isArray(raw)) {
    const items: Value[] = [];
    for (const item of raw) items.push(await evaluateJson(item, file, scope));
    return items;
  }
  if (raw !== null && typeof raw === 'object') {
    const object: Record<string, Value> = {};
    for (const [key, item] of Object.entries(raw)) object[key] = await evaluateJson(item, file, scope);
    return object;
  }
  if (raw === null || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  throw new ExitError(1, `${file}: unexpected ${typeof raw} from the HCL parser`);
}

/**
 * The document a JSON-string argument describes (a task definition's container_definitions): for `jsonencode(x)`,
 * x itself, so its known parts stay readable where Terraform would call the whole string unknown; a literal JSON
 * string is parsed.
 */
export async function evaluateJsonDocument(raw: unknown, file: string, scope: Scope): Promise<Value> {
  if (typeof raw === 'string' && raw.includes('${')) {
    const { node, source } = await parseHclString(file, raw);
    const argument = node.children[0];
    if (node.type === 'function' && node.meta.name === 'jsonencode' && node.children.length === 1 && argument !== undefined) {
      return evaluateParsed(argument, source, file, scope);
    }
  }
  const value = await evaluateJson(raw, file, scope);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as Value;
  } catch {
    throw new ExitError(1, `${file}: ${JSON.stringify(value.slice(0, 120))} is not a JSON document`);
  }
}
