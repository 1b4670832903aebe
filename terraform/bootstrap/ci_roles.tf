# CI roles: a read-only plan role for pull requests, and an apply role only for the protected production environment.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # GitHub sends `repo:ORG/REPO:<context>` (classic) or, for repositories created from 2026-07-15 or opted in,
  # `repo:ORG@ORG_ID/REPO@REPO_ID:<context>` (immutable ids). Both are listed, as exact values (no wildcards).
  github_subject_prefixes = [
    "repo:${var.github_owner}/${var.github_repository}",
    "repo:${var.github_owner}@${var.github_owner_id}/${var.github_repository}@${var.github_repository_id}",
  ]

  plan_role_contexts  = concat(["pull_request"], [for branch in var.plan_role_branches : "ref:refs/heads/${branch}"])
  plan_role_subjects  = sort([for pair in setproduct(local.github_subject_prefixes, local.plan_role_contexts) : "${pair[0]}:${pair[1]}"])
  apply_role_subjects = sort([for prefix in local.github_subject_prefixes : "${prefix}:environment:${var.production_environment}"])

  # ARNs are built from names, not read from the resources, so every policy document is known at plan time (the
  # policy test renders them with the real provider before anything exists).
  plan_role_name   = "${var.project_name}-ci-plan"
  apply_role_name  = "${var.project_name}-ci-apply"
  role_arn_prefix  = "arn:${local.partition}:iam::${local.account_id}:role/"
  ci_role_arns     = ["${local.role_arn_prefix}${local.plan_role_name}", "${local.role_arn_prefix}${local.apply_role_name}"]
  project_role_arn = "${local.role_arn_prefix}${var.project_name}-*"
  state_bucket_arn = "arn:${local.partition}:s3:::${var.state_bucket_name}"

  apply_role_policy_arns = var.apply_role_policy_arns != null ? var.apply_role_policy_arns : ["arn:${local.partition}:iam::aws:policy/PowerUserAccess"]
}

################################################################################
# Plan role: reads configuration, not data
################################################################################

resource "aws_iam_role" "plan" {
  name                 = local.plan_role_name
  description          = "GitHub Actions: terraform plan (configuration reads only) for ${var.github_owner}/${var.github_repository}"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsPlan"
      Effect    = "Allow"
      Principal = { Federated = local.github_oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_oidc_host}:aud" = "sts.amazonaws.com"
          "${local.github_oidc_host}:sub" = local.plan_role_subjects
        }
      }
    }]
  })
}

# Every Describe/List/Get that a plan or a refresh of both roots calls is in ReadOnlyAccess; the inline policy below
# takes its data reads away again.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan_state" {
  name = "terraform-state-read-and-lock"
  role = aws_iam_role.plan.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "ReadState"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.state_bucket_arn}/*"
      },
      {
        # plan takes the S3 lock (<key>.tflock) unless run with -lock=false.
        Sid      = "StateLockFile"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.state_bucket_arn}/*.tflock"
      },
    ]
  })
}

# ReadOnlyAccess also reads data: any object in any bucket, parameters, table items, log events, image layers, queue
# messages. Any same-repository pull request can assume this role, so those reads are denied; Terraform never makes
# them to plan these stacks (state is the one object it reads). The list: what cloudsplaining flags as data
# exfiltration (s3:GetObject, ssm:GetParameter*, secretsmanager:GetSecretValue) or credentials exposure
# (ecr:GetAuthorizationToken, ec2:GetPasswordData), plus the data stores ReadOnlyAccess opens (DynamoDB items,
# CloudWatch log events and queries, ECR image content, SQS messages, Kinesis records) and KMS decryption. It is
# denied even where ReadOnlyAccess does not grant it today (secrets, kms:Decrypt), since that policy changes.
resource "aws_iam_role_policy" "plan_no_data_reads" {
  name = "deny-data-reads"
  role = aws_iam_role.plan.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid         = "NoObjectReadsOutsideTheState"
        Effect      = "Deny"
        Action      = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent", "s3:GetObjectVersionTorrent", "s3-object-lambda:GetObject*"]
        NotResource = "${local.state_bucket_arn}/*"
      },
      {
        Sid    = "NoDataReads"
        Effect = "Deny"
        Action = [
          "secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
          "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
          "kms:Decrypt",
          "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect", "dynamodb:GetRecords",
          "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:GetLogRecord", "logs:StartLiveTail",
          "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
          "sqs:ReceiveMessage",
          "kinesis:GetRecords",
          "ec2:GetPasswordData",
        ]
        Resource = "*"
      },
    ]
  })
}

################################################################################
# Apply role: production environment only, can create no role above the boundary
################################################################################

resource "aws_iam_role" "apply" {
  name                 = local.apply_role_name
  description          = "GitHub Actions: terraform apply and deploy for ${var.github_owner}/${var.github_repository}, environment ${var.production_environment} only"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsApplyFromProductionEnvironment"
      Effect    = "Allow"
      Principal = { Federated = local.github_oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_oidc_host}:aud" = "sts.amazonaws.com"
          "${local.github_oidc_host}:sub" = local.apply_role_subjects
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "apply" {
  for_each = toset(local.apply_role_policy_arns)

  role       = aws_iam_role.apply.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "apply_state" {
  name = "terraform-state-read-write"
  role = aws_iam_role.apply.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "ReadWriteState"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "${local.state_bucket_arn}/*"
      },
      {
        Sid      = "StateLockFile"
        Effect   = "Allow"
        Action   = "s3:DeleteObject"
        Resource = "${local.state_bucket_arn}/*.tflock"
      },
    ]
  })
}

# The main stack's own roles (task execution, task, flow logs), each under the permissions boundary. The condition
# key iam:PermissionsBoundary is present on exactly the calls that create a role or change what it may do
# (AWS IAM User Guide, access_policies_boundaries: "delegating responsibility to others"); a role without the
# boundary cannot be created, given a policy or have its boundary swapped or removed.
resource "aws_iam_role_policy" "apply_project_roles" {
  name = "project-roles-under-boundary"
  role = aws_iam_role.apply.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "CreateAndChangeProjectRolesOnlyWithTheBoundary"
        Effect = "Allow"
        Action = [
          "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
          "iam:PutRolePermissionsBoundary",
        ]
        Resource  = local.project_role_arn
        Condition = { StringEquals = { "iam:PermissionsBoundary" = local.permissions_boundary_arn } }
      },
      {
        # None of these changes what a role may do; its trust policy names only AWS services (the role is useless
        # to anyone else), and the boundary still caps it if it is ever trusted more widely.
        Sid    = "ReadTagAndDeleteProjectRoles"
        Effect = "Allow"
        Action = [
          "iam:GetRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
          "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:GetRolePolicy", "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
        ]
        Resource = local.project_role_arn
      },
      {
        # Only to the two services the stack hands roles to; the CI roles are excluded below, other roles by name.
        Sid       = "PassProjectRolesToEcsTasksAndFlowLogs"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = local.project_role_arn
        Condition = { StringEquals = { "iam:PassedToService" = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"] } }
      },
      {
        # ECS, the load balancer and service autoscaling create their service-linked roles on first use.
        Sid    = "ServiceLinkedRolesOfTheStack"
        Effect = "Allow"
        Action = "iam:CreateServiceLinkedRole"
        Resource = [
          "${local.role_arn_prefix}aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
          "${local.role_arn_prefix}aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
          "${local.role_arn_prefix}aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
        ]
        Condition = {
          StringEquals = {
            "iam:AWSServiceName" = ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"]
          }
        }
      },
      {
        # A role that has the boundary keeps it.
        Sid      = "NeverRemoveABoundary"
        Effect   = "Deny"
        Action   = "iam:DeleteRolePermissionsBoundary"
        Resource = "*"
      },
      {
        # The boundary, and any customer managed policy (the stack uses inline role policies only), cannot be
        # rewritten: a new default version would lift every bounded role at once.
        Sid      = "NoManagedPolicyChanges"
        Effect   = "Deny"
        Action   = ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"]
        Resource = "*"
      },
      {
        # The CI roles also match "<project_name>-*": without this, the apply role could rewrite its own trust or
        # policies (or the plan role's) and outlive a review.
        Sid      = "ProtectCiRoles"
        Effect   = "Deny"
        Action   = "iam:*"
        Resource = local.ci_role_arns
      },
      {
        # PowerUserAccess reaches every workload in the account. These are the ways it could act as another
        # principal or run code inside one (cloudsplaining's and Rhino Security Labs' escalation lists); the stack
        # uses none of them. sts:AssumeRole: roles that trust this account could otherwise be assumed.
        Sid    = "NoActingAsOtherPrincipals"
        Effect = "Deny"
        Action = [
          "sts:AssumeRole", "ecs:ExecuteCommand", "ssm:SendCommand", "ssm:StartSession", "lambda:UpdateFunctionCode",
          "glue:UpdateDevEndpoint", "ec2-instance-connect:SendSSHPublicKey", "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
        ]
        Resource = "*"
      },
    ]
  })
}
