# Permissions boundary: the most any role the apply role creates can ever do, whatever policies it is given.

locals {
  permissions_boundary_name = "${var.project_name}-permissions-boundary"
  # Built from the name (not the resource's arn attribute) so the policies that refer to it are known at plan time.
  permissions_boundary_arn = "arn:${local.partition}:iam::${local.account_id}:policy/${local.permissions_boundary_name}"
}

# What the main stack's roles use (task execution: pull the image, write logs, read the container secrets; task: nothing
# yet; flow logs: write their log group), on this project's resources only. Nothing in IAM, Organizations or Account,
# and nothing on the CI roles. To let the application call more AWS services, add those actions here (and to the task
# role in terraform/iam.tf), then apply the bootstrap again with administrator credentials.
resource "aws_iam_policy" "permissions_boundary" {
  name        = local.permissions_boundary_name
  description = "Ceiling of every role the ${var.project_name} apply role may create: its tasks and flow logs, no IAM"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # GetAuthorizationToken has no resource-level permissions; it only yields a registry login.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid      = "EcrPullProjectRepositories"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
        Resource = "arn:${local.partition}:ecr:*:${local.account_id}:repository/${var.project_name}-*"
      },
      {
        # The app log group (/ecs/<name>-<environment>) and the flow-log group (/vpc/<name>-<environment>/flow-logs).
        Sid    = "WriteProjectLogGroups"
        Effect = "Allow"
        Action = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = [
          "arn:${local.partition}:logs:*:${local.account_id}:log-group:/ecs/${var.project_name}-*",
          "arn:${local.partition}:logs:*:${local.account_id}:log-group:/vpc/${var.project_name}-*",
        ]
      },
      {
        # VPC flow logs look their destination group up by name.
        Sid      = "DescribeLogGroups"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "*"
      },
      {
        # container_secrets may name any secret or parameter of this account; the execution role itself is granted
        # exactly the ones configured.
        Sid    = "ReadContainerSecrets"
        Effect = "Allow"
        Action = ["secretsmanager:GetSecretValue", "ssm:GetParameters"]
        Resource = [
          "arn:${local.partition}:secretsmanager:*:${local.account_id}:secret:*",
          "arn:${local.partition}:ssm:*:${local.account_id}:parameter/*",
        ]
      },
      {
        # Stated, not only implied by the allow list above: it must survive a later, broader allow.
        Sid      = "NoIamOrganizationsOrAccount"
        Effect   = "Deny"
        Action   = ["iam:*", "organizations:*", "account:*", "sts:AssumeRole"]
        Resource = "*"
      },
      {
        Sid      = "NothingOnTheCiRoles"
        Effect   = "Deny"
        Action   = "*"
        Resource = local.ci_role_arns
      },
    ]
  })
}
