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

  state_bucket_arn = aws_s3_bucket.state.arn
}

################################################################################
# Plan role (read-only)
################################################################################

resource "aws_iam_role" "plan" {
  name                 = "${var.project_name}-ci-plan"
  description          = "GitHub Actions: terraform plan (read-only) for ${var.github_owner}/${var.github_repository}"
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

################################################################################
# Apply role (production environment only)
################################################################################

resource "aws_iam_role" "apply" {
  name                 = "${var.project_name}-ci-apply"
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
  for_each = toset(var.apply_role_policy_arns)

  role       = aws_iam_role.apply.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "apply_state_and_iam" {
  name = "terraform-state-and-project-iam"
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
      {
        # The main stack's own roles (task execution, task, flow logs), and nothing else in IAM.
        Sid    = "ManageProjectRoles"
        Effect = "Allow"
        Action = [
          "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags",
          "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
        ]
        Resource = "arn:${local.partition}:iam::${local.account_id}:role/${var.project_name}-*"
      },
      {
        # The CI roles also match "<project_name>-*": without this, the apply role could rewrite its own trust
        # or policies (or the plan role's) and outlive a review.
        Sid      = "ProtectCiRoles"
        Effect   = "Deny"
        Action   = "iam:*"
        Resource = [aws_iam_role.plan.arn, aws_iam_role.apply.arn]
      },
      {
        Sid      = "PassProjectRolesToEcsAndFlowLogs"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:${local.partition}:iam::${local.account_id}:role/${var.project_name}-*"
        Condition = {
          StringEquals = { "iam:PassedToService" = ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"] }
        }
      },
      {
        Sid      = "ServiceLinkedRoles"
        Effect   = "Allow"
        Action   = "iam:CreateServiceLinkedRole"
        Resource = "*"
        Condition = {
          StringEquals = {
            "iam:AWSServiceName" = [
              "ecs.amazonaws.com",
              "elasticloadbalancing.amazonaws.com",
              "ecs.application-autoscaling.amazonaws.com",
            ]
          }
        }
      },
    ]
  })
}
