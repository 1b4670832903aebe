# Input variables of the bootstrap root: state bucket, GitHub repository identity, CI role settings.

variable "aws_region" {
  description = "Region of the state bucket (use the same region as the main stack)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as eu-west-1 or us-east-1."
  }
}

variable "project_name" {
  description = "Name prefix of the main stack (its `name` variable). Role names here start with it, and the apply role may manage only IAM roles that start with it."
  type        = string
  default     = "hello-service"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 2-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "state_bucket_name" {
  description = "Globally unique name of the S3 bucket for Terraform state, e.g. my-org-hello-service-tfstate."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.state_bucket_name)) && !can(regex("--", var.state_bucket_name))
    error_message = "state_bucket_name must be 3-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit (no dots, so TLS works)."
  }
}

variable "state_noncurrent_version_days" {
  description = "Days to keep superseded (noncurrent) state versions before they expire."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_days >= 1 && floor(var.state_noncurrent_version_days) == var.state_noncurrent_version_days
    error_message = "state_noncurrent_version_days must be a whole number of at least 1."
  }
}

variable "state_access_log_days" {
  description = "Days to keep the state bucket's server access logs (who read or wrote the state)."
  type        = number
  default     = 365

  validation {
    condition     = var.state_access_log_days >= 1 && floor(var.state_access_log_days) == var.state_access_log_days
    error_message = "state_access_log_days must be a whole number of at least 1."
  }
}

variable "github_owner" {
  description = "GitHub organisation or user that owns the repository (the ORG in ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](-?[A-Za-z0-9])*$", var.github_owner)) && length(var.github_owner) <= 39
    error_message = "github_owner must be a GitHub user or organisation name (letters, digits, single hyphens, max 39)."
  }
}

variable "github_repository" {
  description = "Repository name without the owner (the REPO in ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be a repository name: letters, digits, '.', '_' and '-'."
  }
}

variable "github_owner_id" {
  description = "Numeric id of the owner (gh api users/ORG --jq .id). Used for GitHub's immutable OIDC subject repo:ORG@ORG_ID/REPO@REPO_ID:..."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{1,20}$", var.github_owner_id))
    error_message = "github_owner_id must be the numeric owner id, e.g. 1234567 (gh api users/ORG --jq .id)."
  }
}

variable "github_repository_id" {
  description = "Numeric id of the repository (gh api repos/ORG/REPO --jq .id). Used for GitHub's immutable OIDC subject."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{1,20}$", var.github_repository_id))
    error_message = "github_repository_id must be the numeric repository id, e.g. 123456789 (gh api repos/ORG/REPO --jq .id)."
  }
}

variable "production_environment" {
  description = "GitHub environment (with required reviewers) whose jobs may assume the apply role."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,255}$", var.production_environment))
    error_message = "production_environment must be a GitHub environment name without spaces or ':'."
  }
}

variable "plan_role_branches" {
  description = "Branches (besides pull requests) whose workflows may assume the read-only plan role, e.g. for scheduled drift checks on main."
  type        = list(string)
  default     = ["main"]
  nullable    = false

  validation {
    condition     = alltrue([for branch in var.plan_role_branches : can(regex("^[A-Za-z0-9._/-]+$", branch)) && !can(regex("\\*", branch))])
    error_message = "plan_role_branches must be exact branch names (no wildcards)."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider. Set false when the account already has one (there can be only one per URL)."
  type        = bool
  default     = true
  nullable    = false
}

variable "apply_role_policy_arns" {
  description = "Managed policies for the apply role besides its state and project-role policies. Null (default) attaches PowerUserAccess in the account's partition (everything but IAM, Organizations and Account); narrow it for your account. Whatever it grants, the apply role's explicit denies still hold."
  type        = list(string)
  default     = null

  validation {
    condition     = alltrue([for arn in(var.apply_role_policy_arns == null ? [] : var.apply_role_policy_arns) : can(regex("^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/", arn))])
    error_message = "apply_role_policy_arns must be IAM policy ARNs (arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/NAME), or null for PowerUserAccess."
  }
}
