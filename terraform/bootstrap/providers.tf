# AWS provider for the one-off bootstrap: region and default tags.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project    = var.project_name
      ManagedBy  = "terraform-bootstrap"
      Repository = "${var.github_owner}/${var.github_repository}"
    }
  }
}
