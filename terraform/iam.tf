# IAM: task execution role (pull this image, write its logs), an empty task role and the flow-log role, all bounded.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The bootstrap names its boundary after the project (its project_name is this stack's name), so the default needs
  # no setting; the apply role may create no role without exactly this boundary.
  permissions_boundary_arn = coalesce(var.permissions_boundary_arn, "arn:${local.partition}:iam::${local.account_id}:policy/${var.name}-permissions-boundary")

  # ECS tasks may assume the roles only on behalf of this account (confused-deputy protection; the
  # AWS-documented key for ecs-tasks trust policies).
  ecs_tasks_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EcsTasks"
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
      }
    }]
  })
}

################################################################################
# Task execution role: used by the ECS agent to pull the image and ship logs
################################################################################

resource "aws_iam_role" "task_execution" {
  name                 = "${local.name}-task-exec"
  description          = "ECS agent for ${local.name}: pull its image, write its logs"
  assume_role_policy   = local.ecs_tasks_trust_policy
  permissions_boundary = local.permissions_boundary_arn
}

resource "aws_iam_role_policy" "task_execution" {
  name = "pull-image-write-logs"
  role = aws_iam_role.task_execution.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # GetAuthorizationToken has no resource-level permissions; it only yields a registry login.
          Sid      = "EcrLogin"
          Effect   = "Allow"
          Action   = "ecr:GetAuthorizationToken"
          Resource = "*"
        },
        {
          Sid      = "EcrPullThisRepository"
          Effect   = "Allow"
          Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
          Resource = aws_ecr_repository.this.arn
        },
        {
          Sid      = "WriteThisLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "${aws_cloudwatch_log_group.app.arn}:*"
        },
      ],
      length(var.container_secrets) == 0 ? [] : [
        {
          Sid      = "ReadContainerSecrets"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue", "ssm:GetParameters"]
          Resource = sort(distinct(values(var.container_secrets)))
        },
      ],
    )
  })
}

################################################################################
# Task role: what the application itself may call in AWS (nothing, so far)
################################################################################

resource "aws_iam_role" "task" {
  name                 = "${local.name}-task"
  description          = "Application role of ${local.name}; no permissions attached"
  assume_role_policy   = local.ecs_tasks_trust_policy
  permissions_boundary = local.permissions_boundary_arn
}

################################################################################
# VPC flow logs role
################################################################################

resource "aws_iam_role" "flow_logs" {
  count = var.flow_logs_enabled ? 1 : 0

  name                 = "${local.name}-flow-logs"
  description          = "VPC flow logs of ${local.name} to CloudWatch Logs"
  permissions_boundary = local.permissions_boundary_arn
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "VpcFlowLogs"
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ec2:${var.aws_region}:${local.account_id}:vpc-flow-log/*" }
      }
    }]
  })
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.flow_logs_enabled ? 1 : 0

  name = "write-flow-logs"
  role = aws_iam_role.flow_logs[0].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteFlowLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = "${aws_cloudwatch_log_group.flow_logs[0].arn}:*"
      },
      {
        Sid      = "DescribeLogGroups"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "*"
      },
    ]
  })
}
