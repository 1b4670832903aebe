# Outputs of the bootstrap: what the main root's backend.hcl and the CI workflows need.

output "state_bucket_name" {
  description = "S3 bucket for Terraform state: the `bucket` in the main root's backend.hcl."
  value       = aws_s3_bucket.state.id
}

output "backend_hcl" {
  description = "Suggested contents of terraform/backend.hcl for the main root (production key)."
  value       = <<-EOT
    bucket = "${aws_s3_bucket.state.id}"
    key    = "${var.project_name}/production/terraform.tfstate"
    region = "${var.aws_region}"
  EOT
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC identity provider."
  value       = local.github_oidc_provider_arn
}

output "permissions_boundary_arn" {
  description = "Permissions boundary every role of the main stack must carry. The main root finds it by name (<project_name>-permissions-boundary); pass it as permissions_boundary_arn only when the main root's name differs."
  value       = aws_iam_policy.permissions_boundary.arn
}

output "plan_role_arn" {
  description = "Role for `terraform plan` in pull requests (and on plan_role_branches): configuration reads, state read and lock, no data reads."
  value       = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  description = "Role for apply and deploy jobs running in the production GitHub environment."
  value       = aws_iam_role.apply.arn
}

output "plan_role_subjects" {
  description = "OIDC `sub` values the plan role trusts (classic and immutable forms)."
  value       = local.plan_role_subjects
}

output "apply_role_subjects" {
  description = "OIDC `sub` values the apply role trusts (classic and immutable forms)."
  value       = local.apply_role_subjects
}
