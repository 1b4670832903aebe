// The CI roles' policies, rendered by the real provider from terraform/bootstrap, against the known escalation paths.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { awsManagedPolicy } from './helpers/aws-managed-policies.ts';
import { ACCOUNT_ID, planBootstrap } from './helpers/bootstrap-plan.ts';
import { evaluate, type Decision, type PolicyDocument, type Principal, type Request } from './helpers/iam-policy.ts';
import { missingPrerequisites } from './helpers/terraform.ts';

/** A plan of the bootstrap takes ~10 s here (provider start-up dominates); the margin is for slow machines. */
const PLAN_TIMEOUT_MS = 180_000;

const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT_ID}:policy/hello-service-permissions-boundary`;
const PLAN_ROLE_ARN = `${ROLE}/hello-service-ci-plan`;
const APPLY_ROLE_ARN = `${ROLE}/hello-service-ci-apply`;
const PROJECT_ROLE_ARN = `${ROLE}/hello-service-production-task`;
const STATE_BUCKET_ARN = 'arn:aws:s3:::acme-hello-service-tfstate';

interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

interface ConfiguredResource {
  readonly address: string;
  readonly expressions?: Record<string, { references?: string[] }>;
}

interface PlanJson {
  readonly planned_values: { root_module: { resources: PlannedResource[] } };
  readonly configuration: { root_module: { resources: ConfiguredResource[] } };
}

/** The policies of the bootstrap's two roles, and the boundary policy, as the plan says they will be created. */
interface CiPolicies {
  readonly plan: Principal;
  readonly apply: Principal;
  readonly boundary: PolicyDocument;
}

/** The `aws_iam_role.<name>` a role policy or attachment belongs to, read from its `role` expression. */
function roleOf(plan: PlanJson, resource: PlannedResource): string {
  const configured = plan.configuration.root_module.resources.find((entry) => entry.address === `${resource.type}.${resource.name}`);
  const reference = configured?.expressions?.role?.references?.find((ref) => /^aws_iam_role\.[\w-]+$/.test(ref));
  if (reference === undefined) throw new Error(`${resource.address}: its role is not a reference to an aws_iam_role`);
  return reference;
}

function ciPolicies(planJson: unknown): CiPolicies {
  const plan = planJson as PlanJson;
  const policiesByRole = new Map<string, PolicyDocument[]>();
  let boundary: PolicyDocument | undefined;
  for (const resource of plan.planned_values.root_module.resources) {
    let document: PolicyDocument | undefined;
    if (resource.type === 'aws_iam_role_policy') document = JSON.parse(String(resource.values.policy)) as PolicyDocument;
    if (resource.type === 'aws_iam_role_policy_attachment') document = awsManagedPolicy(String(resource.values.policy_arn));
    if (resource.type === 'aws_iam_policy' && resource.values.name === 'hello-service-permissions-boundary') {
      boundary = JSON.parse(String(resource.values.policy)) as PolicyDocument;
    }
    if (document === undefined) continue;
    const role = roleOf(plan, resource);
    policiesByRole.set(role, [...(policiesByRole.get(role) ?? []), document]);
  }
  assert.ok(boundary !== undefined, 'the bootstrap plans no aws_iam_policy named hello-service-permissions-boundary');
  return {
    plan: { policies: policiesByRole.get('aws_iam_role.plan') ?? [] },
    apply: { policies: policiesByRole.get('aws_iam_role.apply') ?? [] },
    boundary,
  };
}

/** A role the apply role created: whatever its own policies say, the boundary caps it. */
function boundedRole(boundary: PolicyDocument, policies: readonly PolicyDocument[]): Principal {
  return { policies, boundary };
}

const ADMINISTRATOR: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** [what the caller tries, the request]: each must not be allowed. */
function applyRoleEscalations(): [string, Request][] {
  const withBoundary = (arn: string): Record<string, string> => ({ 'iam:PermissionsBoundary': arn });
  return [
    ['CreateRole without a boundary', { action: 'iam:CreateRole', resource: `${ROLE}/hello-service-admin` }],
    ['CreateRole with another policy as the boundary', { action: 'iam:CreateRole', resource: `${ROLE}/hello-service-admin`, context: withBoundary('arn:aws:iam::aws:policy/AdministratorAccess') }],
    ['CreateRole outside the project prefix, bounded', { action: 'iam:CreateRole', resource: `${ROLE}/admin`, context: withBoundary(BOUNDARY_ARN) }],
    ['PutRolePolicy on a role without a boundary', { action: 'iam:PutRolePolicy', resource: `${ROLE}/hello-service-legacy` }],
    ['AttachRolePolicy on a role without a boundary', { action: 'iam:AttachRolePolicy', resource: `${ROLE}/hello-service-legacy` }],
    ['PutRolePermissionsBoundary with another boundary', { action: 'iam:PutRolePermissionsBoundary', resource: PROJECT_ROLE_ARN, context: withBoundary('arn:aws:iam::aws:policy/AdministratorAccess') }],
    ['DeleteRolePermissionsBoundary on a project role', { action: 'iam:DeleteRolePermissionsBoundary', resource: PROJECT_ROLE_ARN, context: withBoundary(BOUNDARY_ARN) }],
    ['CreatePolicyVersion on the boundary', { action: 'iam:CreatePolicyVersion', resource: BOUNDARY_ARN }],
    ['SetDefaultPolicyVersion on the boundary', { action: 'iam:SetDefaultPolicyVersion', resource: BOUNDARY_ARN }],
    ['DeletePolicy on the boundary', { action: 'iam:DeletePolicy', resource: BOUNDARY_ARN }],
    ['PassRole of a role outside the project to ECS tasks', { action: 'iam:PassRole', resource: `${ROLE}/admin`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }],
    ['PassRole of the apply role to ECS tasks', { action: 'iam:PassRole', resource: APPLY_ROLE_ARN, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }],
    ['PassRole of a project role to Lambda', { action: 'iam:PassRole', resource: PROJECT_ROLE_ARN, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }],
    ['UpdateAssumeRolePolicy on the apply role', { action: 'iam:UpdateAssumeRolePolicy', resource: APPLY_ROLE_ARN }],
    ['UpdateAssumeRolePolicy on the plan role', { action: 'iam:UpdateAssumeRolePolicy', resource: PLAN_ROLE_ARN }],
    ['PutRolePolicy on the apply role itself, bounded', { action: 'iam:PutRolePolicy', resource: APPLY_ROLE_ARN, context: withBoundary(BOUNDARY_ARN) }],
    ['CreateUser', { action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT_ID}:user/hello-service-admin` }],
    ['CreateAccessKey', { action: 'iam:CreateAccessKey', resource: `arn:aws:iam::${ACCOUNT_ID}:user/someone` }],
    ['AssumeRole of a role that trusts the account', { action: 'sts:AssumeRole', resource: `${ROLE}/OrganizationAccountAccessRole` }],
    ['ECS ExecuteCommand into a running task', { action: 'ecs:ExecuteCommand', resource: `arn:aws:ecs:eu-west-1:${ACCOUNT_ID}:task/other/0123` }],
    ['UpdateFunctionCode of an existing Lambda function', { action: 'lambda:UpdateFunctionCode', resource: `arn:aws:lambda:eu-west-1:${ACCOUNT_ID}:function:admin-tool` }],
    ['SSM SendCommand to an instance', { action: 'ssm:SendCommand', resource: `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:instance/i-0123456789abcdef0` }],
  ];
}

/** [what the stack needs, the request]: each must stay allowed, or the deploy breaks. */
function applyRoleNeeds(): [string, Request][] {
  const bounded = { 'iam:PermissionsBoundary': BOUNDARY_ARN };
  return [
    ['CreateRole of a project role with the boundary', { action: 'iam:CreateRole', resource: PROJECT_ROLE_ARN, context: bounded }],
    ['PutRolePolicy on a bounded project role', { action: 'iam:PutRolePolicy', resource: PROJECT_ROLE_ARN, context: bounded }],
    ['PutRolePermissionsBoundary to add the boundary to an existing project role', { action: 'iam:PutRolePermissionsBoundary', resource: PROJECT_ROLE_ARN, context: bounded }],
    ['DeleteRole of a project role', { action: 'iam:DeleteRole', resource: PROJECT_ROLE_ARN }],
    ['PassRole of a project role to ECS tasks', { action: 'iam:PassRole', resource: PROJECT_ROLE_ARN, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }],
    ['PassRole of a project role to VPC flow logs', { action: 'iam:PassRole', resource: `${ROLE}/hello-service-production-flow-logs`, context: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } }],
    ['ECS RegisterTaskDefinition', { action: 'ecs:RegisterTaskDefinition', resource: '*' }],
    ['ECR PutImage', { action: 'ecr:PutImage', resource: `arn:aws:ecr:eu-west-1:${ACCOUNT_ID}:repository/hello-service-production` }],
    ['writing the state', { action: 's3:PutObject', resource: `${STATE_BUCKET_ARN}/hello-service/production/terraform.tfstate` }],
  ];
}

function planRoleDataReads(): [string, Request][] {
  return [
    ['GetObject in another bucket', { action: 's3:GetObject', resource: 'arn:aws:s3:::payroll-exports/2026/10.csv' }],
    ['GetObjectVersion in another bucket', { action: 's3:GetObjectVersion', resource: 'arn:aws:s3:::payroll-exports/2026/10.csv' }],
    ['GetParameter', { action: 'ssm:GetParameter', resource: `arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/db/password` }],
    ['GetParametersByPath', { action: 'ssm:GetParametersByPath', resource: `arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/db` }],
    ['GetSecretValue', { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT_ID}:secret:db-AbCdEf` }],
    ['kms:Decrypt', { action: 'kms:Decrypt', resource: `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/0000` }],
    ['DynamoDB Scan', { action: 'dynamodb:Scan', resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT_ID}:table/customers` }],
    ['DynamoDB GetItem', { action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT_ID}:table/customers` }],
    ['GetLogEvents', { action: 'logs:GetLogEvents', resource: `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/ecs/other:log-stream:x` }],
    ['FilterLogEvents', { action: 'logs:FilterLogEvents', resource: `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/ecs/other` }],
    ['pulling an image layer', { action: 'ecr:GetDownloadUrlForLayer', resource: `arn:aws:ecr:eu-west-1:${ACCOUNT_ID}:repository/other` }],
    ['SQS ReceiveMessage', { action: 'sqs:ReceiveMessage', resource: `arn:aws:sqs:eu-west-1:${ACCOUNT_ID}:orders` }],
    ['writing the state itself', { action: 's3:PutObject', resource: `${STATE_BUCKET_ARN}/hello-service/production/terraform.tfstate` }],
  ];
}

/** What `terraform plan` of both roots needs from the plan role. */
function planRoleNeeds(): [string, Request][] {
  return [
    ['reading the state', { action: 's3:GetObject', resource: `${STATE_BUCKET_ARN}/hello-service/production/terraform.tfstate` }],
    ['listing the state bucket', { action: 's3:ListBucket', resource: STATE_BUCKET_ARN }],
    ['taking the lock file', { action: 's3:PutObject', resource: `${STATE_BUCKET_ARN}/hello-service/production/terraform.tfstate.tflock` }],
    ['reading an existing lock file', { action: 's3:GetObject', resource: `${STATE_BUCKET_ARN}/hello-service/production/terraform.tfstate.tflock` }],
    ['releasing the lock file', { action: 's3:DeleteObject', resource: `${STATE_BUCKET_ARN}/hello-service/production/terraform.tfstate.tflock` }],
    ['refreshing a bucket (configuration)', { action: 's3:GetBucketPolicy', resource: 'arn:aws:s3:::hello-service-production-alb-logs' }],
    ['refreshing a bucket (object lock configuration)', { action: 's3:GetBucketObjectLockConfiguration', resource: 'arn:aws:s3:::hello-service-production-alb-logs' }],
    ['refreshing a role', { action: 'iam:GetRole', resource: PROJECT_ROLE_ARN }],
    ['refreshing the ECS service', { action: 'ecs:DescribeServices', resource: `arn:aws:ecs:eu-west-1:${ACCOUNT_ID}:service/hello-service-production/hello-service-production` }],
    ['refreshing the log groups', { action: 'logs:DescribeLogGroups', resource: '*' }],
    ['refreshing the ECR lifecycle policy', { action: 'ecr:GetLifecyclePolicy', resource: `arn:aws:ecr:eu-west-1:${ACCOUNT_ID}:repository/hello-service-production` }],
    ['refreshing the web ACL', { action: 'wafv2:GetWebACL', resource: `arn:aws:wafv2:eu-west-1:${ACCOUNT_ID}:regional/webacl/hello-service-production/0123` }],
  ];
}

function explain(decision: Decision, request: Request): string {
  return `${decision}: ${request.action} on ${request.resource}${request.context === undefined ? '' : ` ${JSON.stringify(request.context)}`}`;
}

describe('CI role policies against the escalation paths (real provider, offline)', () => {
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    test('escalation paths', (t) => {
      t.skip(`SKIPPED the policy evaluation — missing: ${missing.join('; ')}`);
    });
    return;
  }

  let policies: CiPolicies | undefined;
  before(async () => {
    policies = ciPolicies(await planBootstrap());
  }, { timeout: PLAN_TIMEOUT_MS });

  function rendered(): CiPolicies {
    assert.ok(policies !== undefined, 'the bootstrap plan did not render');
    return policies;
  }

  test('the apply role has its inline policies and PowerUserAccess; the plan role ReadOnlyAccess plus its own', () => {
    assert.ok(rendered().apply.policies.length >= 3, `apply role policies: ${rendered().apply.policies.length}`);
    assert.ok(rendered().plan.policies.length >= 3, `plan role policies: ${rendered().plan.policies.length}`);
  });

  /** One test per request: each must be allowed, or each must not be. */
  function expectEach(label: string, principal: () => Principal, cases: [string, Request][], allowed: boolean): void {
    for (const [what, request] of cases) {
      test(`${label}: ${what} is ${allowed ? 'allowed' : 'denied'}`, () => {
        const decision = evaluate(principal(), request);
        if (allowed) assert.equal(decision, 'allowed', explain(decision, request));
        else assert.notEqual(decision, 'allowed', explain(decision, request));
      });
    }
  }

  expectEach('apply role', () => rendered().apply, applyRoleEscalations(), false);
  expectEach('apply role', () => rendered().apply, applyRoleNeeds(), true);
  expectEach('plan role', () => rendered().plan, planRoleDataReads(), false);
  expectEach('plan role', () => rendered().plan, planRoleNeeds(), true);

  describe('a role under the boundary, even with AdministratorAccess attached', () => {
    const reaches: [string, Request][] = [
      ['creating a user', { action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT_ID}:user/backdoor` }],
      ['removing its own boundary', { action: 'iam:DeleteRolePermissionsBoundary', resource: PROJECT_ROLE_ARN }],
      ['leaving the organization', { action: 'organizations:LeaveOrganization', resource: '*' }],
      ['assuming the apply role', { action: 'sts:AssumeRole', resource: APPLY_ROLE_ARN }],
      ['assuming another role of the account', { action: 'sts:AssumeRole', resource: `${ROLE}/OrganizationAccountAccessRole` }],
      ['reading data outside the project', { action: 's3:GetObject', resource: 'arn:aws:s3:::payroll-exports/2026/10.csv' }],
      ['pulling from another repository', { action: 'ecr:BatchGetImage', resource: `arn:aws:ecr:eu-west-1:${ACCOUNT_ID}:repository/other` }],
    ];
    expectEach('bounded role', () => boundedRole(rendered().boundary, [ADMINISTRATOR]), reaches, false);

    const needs: [string, Request][] = [
      ['logging in to ECR', { action: 'ecr:GetAuthorizationToken', resource: '*' }],
      ['pulling the project image', { action: 'ecr:BatchGetImage', resource: `arn:aws:ecr:eu-west-1:${ACCOUNT_ID}:repository/hello-service-production` }],
      ['writing the app logs', { action: 'logs:PutLogEvents', resource: `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/ecs/hello-service-production:log-stream:app/app/0123` }],
      ['writing the flow logs', { action: 'logs:CreateLogStream', resource: `arn:aws:logs:eu-west-1:${ACCOUNT_ID}:log-group:/vpc/hello-service-production/flow-logs:log-stream:eni-0123` }],
      ['reading a container secret', { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT_ID}:secret:hello-service/db-AbCdEf` }],
    ];
    expectEach('bounded role', () => boundedRole(rendered().boundary, [ADMINISTRATOR]), needs, true);
  });
});
