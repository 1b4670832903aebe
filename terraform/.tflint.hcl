# TFLint configuration for terraform/ and terraform/bootstrap/ (run: tflint --init && tflint --recursive).
# Versions pinned as in the project's pinned tool list: TFLint v0.64.0 with tflint-ruleset-aws 0.48.0.

config {
  # Deep checking calls AWS APIs and needs credentials; keep it off in pull-request CI.
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}

# Opt-in AWS rules worth having (they are off by default in the ruleset).
rule "aws_security_group_inline_rules" {
  enabled = true
}

rule "aws_security_group_rule_deprecated" {
  enabled = true
}

rule "aws_provider_missing_default_tags" {
  enabled = true
  tags    = ["Project", "ManagedBy"]
}

rule "aws_iam_policy_attachment_exclusive_attachment" {
  enabled = true
}

# The terraform ruleset's documentation and typing rules, also enforced by test/terraform-policy.test.ts.
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_typed_variables" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = false # files are split by concern (alb.tf, ecs.tf, ...), not main.tf
}
