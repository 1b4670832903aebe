# Terraform and provider versions of the bootstrap root (same constraint and lock file as the main root).
terraform {
  # The main root's minimum (see ../versions.tf).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }

  # Local state on purpose: this root creates the bucket the main root's state lives in. Keep its
  # terraform.tfstate safe (it is git-ignored), or migrate it into the bucket afterwards (see docs/infrastructure.md).
}
