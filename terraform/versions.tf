# Terraform and provider versions. Keep the aws constraint identical to the `constraints` line in .terraform.lock.hcl.
terraform {
  # 1.11: S3-native state locking (use_lockfile) is GA and `override_during` exists for the tests. The scripts'
  # pre-flight checks the same minimum (MINIMUM_TERRAFORM in scripts/lib/terraform.ts; a test keeps them equal).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is what the tests run with; 6.x keeps every argument used here. 7.0 may not, so it needs a review first.
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}
