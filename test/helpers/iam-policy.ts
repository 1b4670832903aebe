// A small IAM evaluator for identity policies and a permissions boundary: explicit deny > allow > implicit deny.
// It knows the policy grammar these stacks use (Action/NotAction, Resource/NotResource, and the condition operators
// listed below); anything else throws, so a policy it cannot judge fails the test instead of passing it.

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[] | PolicyStatement;
}

/** One API call: the action, the resource ARN it acts on, and the request's condition keys. */
export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

/** A principal: its identity policies, and its permissions boundary if it has one. */
export interface Principal {
  readonly policies: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** IAM wildcards: `*` is any run of characters (colons included), `?` any one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function anyMatches(patterns: readonly string[], value: string, ignoreCase: boolean): boolean {
  for (const pattern of patterns) {
    if (wildcardMatch(pattern, value, ignoreCase)) return true;
  }
  return false;
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  // Action names are case-insensitive.
  if (statement.Action !== undefined) return anyMatches(list(statement.Action), action, true);
  if (statement.NotAction !== undefined) return !anyMatches(list(statement.NotAction), action, true);
  throw new Error(`statement ${statement.Sid ?? '(no Sid)'} has neither Action nor NotAction`);
}

function resourceMatches(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return anyMatches(list(statement.Resource), resource, false);
  if (statement.NotResource !== undefined) return !anyMatches(list(statement.NotResource), resource, false);
  throw new Error(`statement ${statement.Sid ?? '(no Sid)'} has neither Resource nor NotResource`);
}

/** One operator on one key: true when the request value satisfies any of the policy values. */
function conditionHolds(operator: string, key: string, expected: readonly string[], context: Readonly<Record<string, string>>): boolean {
  const actual = context[key];
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return actual !== undefined && expected.includes(actual);
    case 'StringLike':
    case 'ArnLike':
      return actual !== undefined && anyMatches(expected, actual, false);
    case 'Bool':
      return actual !== undefined && expected.includes(actual);
    case 'Null':
      // "true": the key must be absent; "false": it must be present.
      return expected.includes(actual === undefined ? 'true' : 'false');
    default:
      throw new Error(`condition operator ${operator} is not modelled; add it to test/helpers/iam-policy.ts`);
  }
}

function conditionsHold(statement: PolicyStatement, context: Readonly<Record<string, string>>): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(values), context)) return false;
    }
  }
  return true;
}

function statementsOf(policy: PolicyDocument): readonly PolicyStatement[] {
  return Array.isArray(policy.Statement) ? (policy.Statement as readonly PolicyStatement[]) : [policy.Statement as PolicyStatement];
}

/** The effect the policies give one request on their own: explicit deny wins over allow, nothing matching is implicit. */
export function evaluatePolicies(policies: readonly PolicyDocument[], request: Request): Decision {
  const context = request.context ?? {};
  let allowed = false;
  for (const policy of policies) {
    for (const statement of statementsOf(policy)) {
      if (!actionMatches(statement, request.action) || !resourceMatches(statement, request.resource)) continue;
      if (!conditionsHold(statement, context)) continue;
      if (statement.Effect === 'Deny') return 'explicit-deny';
      allowed = true;
    }
  }
  return allowed ? 'allowed' : 'implicit-deny';
}

/** A principal's decision: allowed only if its identity policies allow and its boundary (if any) allows too. */
export function evaluate(principal: Principal, request: Request): Decision {
  const identity = evaluatePolicies(principal.policies, request);
  if (principal.boundary === undefined || identity === 'explicit-deny') return identity;
  const boundary = evaluatePolicies([principal.boundary], request);
  if (boundary === 'explicit-deny') return 'explicit-deny';
  return identity === 'allowed' && boundary === 'allowed' ? 'allowed' : 'implicit-deny';
}
