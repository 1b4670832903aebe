# AWS provider: region and the tags every resource carries.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.default_tags
  }
}
