// AWS managed policies the CI roles attach by ARN, modelled by their documented content for the IAM evaluator.
import type { PolicyDocument } from './iam-policy.ts';

/**
 * PowerUserAccess v12 (edited 2026-02-12), as published in the AWS Managed Policy Reference:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html
 */
const POWER_USER_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'account:GetAccountInformation',
        'account:GetGovCloudAccountInformation',
        'account:GetPrimaryEmail',
        'account:ListRegions',
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeEffectivePolicy',
        'organizations:DescribeOrganization',
      ],
      Resource: '*',
    },
  ],
};

// ReadOnlyAccess is thousands of actions long; this is the part the plan-role scenarios touch, each a pattern that the
// published policy grants on Resource "*": configuration reads (Describe, Get and List of ec2, ecs, elasticloadbalancing,
// iam, s3, wafv2) and the data reads it includes (s3 Get covers GetObject; ssm Get; dynamodb Get, BatchGet, Query and
// Scan; logs Get, FilterLogEvents and StartQuery; ecr Get and BatchGet; sqs Receive; kinesis Get; ec2 Get).
// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ReadOnlyAccess.html
const READ_ONLY_ACCESS_EXCERPT: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'ec2:Describe*', 'ec2:Get*', 'ecs:Describe*', 'ecs:List*', 'elasticloadbalancing:Describe*', 'iam:Get*', 'iam:List*',
        's3:Get*', 's3:List*', 'ssm:Get*', 'ssm:Describe*', 'dynamodb:BatchGet*', 'dynamodb:Describe*', 'dynamodb:Get*',
        'dynamodb:Query', 'dynamodb:Scan', 'logs:Describe*', 'logs:Get*', 'logs:FilterLogEvents', 'logs:StartQuery',
        'ecr:BatchGet*', 'ecr:Describe*', 'ecr:Get*', 'ecr:List*', 'sqs:Receive*', 'kinesis:Get*', 'wafv2:Get*', 'wafv2:List*',
      ],
      Resource: '*',
    },
  ],
};

const MANAGED_POLICIES: ReadonlyMap<string, PolicyDocument> = new Map([
  ['PowerUserAccess', POWER_USER_ACCESS],
  ['ReadOnlyAccess', READ_ONLY_ACCESS_EXCERPT],
]);

/** The modelled content of an AWS managed policy ARN (any partition); throws for one that is not modelled. */
export function awsManagedPolicy(arn: string): PolicyDocument {
  const name = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
  const policy = name === undefined ? undefined : MANAGED_POLICIES.get(name);
  if (policy === undefined) throw new Error(`${arn} is not modelled in test/helpers/aws-managed-policies.ts: add its documented content`);
  return policy;
}
