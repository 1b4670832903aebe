# Plan-level tests of the bootstrap: state bucket hardening and the OIDC trust of the two CI roles.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "acme-hello-service-tfstate"
      arn = "arn:aws:s3:::acme-hello-service-tfstate"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked-ci-role" }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
}

variables {
  state_bucket_name    = "acme-hello-service-tfstate"
  github_owner         = "acme"
  github_repository    = "hello-service"
  github_owner_id      = "1234567"
  github_repository_id = "987654321"
}

run "state_bucket_is_hardened" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State bucket versioning must be on."
  }
  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls && aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    )
    error_message = "All four public-access blocks must be on."
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.state.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }
  assert {
    condition     = one([for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s if s.Sid == "DenyInsecureTransport"]).Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "The bucket policy must deny requests without TLS."
  }
  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "Noncurrent state versions must expire (90 days by default)."
  }
}

run "ci_roles_trust_classic_and_immutable_subjects" {
  command = plan

  assert {
    condition = toset(jsondecode(aws_iam_role.plan.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]) == toset([
      "repo:acme/hello-service:pull_request",
      "repo:acme/hello-service:ref:refs/heads/main",
      "repo:acme@1234567/hello-service@987654321:pull_request",
      "repo:acme@1234567/hello-service@987654321:ref:refs/heads/main",
    ])
    error_message = "The plan role must trust pull requests (and main) in both subject formats, and nothing else."
  }
  assert {
    condition = toset(jsondecode(aws_iam_role.apply.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]) == toset([
      "repo:acme/hello-service:environment:production",
      "repo:acme@1234567/hello-service@987654321:environment:production",
    ])
    error_message = "The apply role must trust only the production environment, in both subject formats."
  }
  assert {
    condition = alltrue([
      for role in [aws_iam_role.plan, aws_iam_role.apply] :
      jsondecode(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    ])
    error_message = "Both roles must require the sts.amazonaws.com audience."
  }
  assert {
    condition     = aws_iam_role_policy_attachment.plan_read_only.policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    error_message = "The plan role must be read-only."
  }
  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The GitHub OIDC provider must be created for the sts.amazonaws.com audience."
  }
}

# The policies themselves are evaluated in test/iam-escalation.test.ts; these check the wiring around them.
run "boundary_and_role_policies_are_wired" {
  command = plan

  assert {
    condition     = aws_iam_policy.permissions_boundary.name == "hello-service-permissions-boundary"
    error_message = "The bootstrap must create the permissions boundary."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.apply_project_roles.policy).Statement : s if s.Sid == "CreateAndChangeProjectRolesOnlyWithTheBoundary"]).Condition.StringEquals["iam:PermissionsBoundary"] == (
      "arn:aws:iam::123456789012:policy/hello-service-permissions-boundary"
    )
    error_message = "Role writes must require the boundary the bootstrap creates."
  }
  assert {
    condition     = toset(keys(aws_iam_role_policy_attachment.apply)) == toset(["arn:aws:iam::aws:policy/PowerUserAccess"])
    error_message = "By default the apply role gets PowerUserAccess, in the account's partition."
  }
  assert {
    condition     = aws_s3_bucket_logging.state.target_prefix == "state/" && aws_s3_bucket_logging.state.bucket == "acme-hello-service-tfstate"
    error_message = "Reads and writes of the state must be access-logged."
  }
  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.access_logs.rule).expiration[0].days == 365
    error_message = "State access logs must expire (365 days by default)."
  }
}

run "partition_follows_the_account" {
  command = plan

  override_data {
    target = data.aws_partition.current
    values = { partition = "aws-cn" }
  }

  assert {
    condition     = toset(keys(aws_iam_role_policy_attachment.apply)) == toset(["arn:aws-cn:iam::aws:policy/PowerUserAccess"])
    error_message = "The default managed policy must be in the account's partition."
  }
  assert {
    condition     = aws_iam_role_policy_attachment.plan_read_only.policy_arn == "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"
    error_message = "ReadOnlyAccess must be in the account's partition."
  }
}

run "rejects_bad_identities" {
  command = plan

  variables {
    state_bucket_name      = "Bad_Bucket"
    github_owner_id        = "acme"
    plan_role_branches     = ["release/*"]
    apply_role_policy_arns = ["PowerUserAccess"]
  }

  expect_failures = [var.state_bucket_name, var.github_owner_id, var.plan_role_branches, var.apply_role_policy_arns]
}
