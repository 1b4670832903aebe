# Input variables: every one has a description, a type, and a validation wherever a bad value is possible.

################################################################################
# Naming and placement
################################################################################

variable "aws_region" {
  description = "AWS region to deploy into, e.g. eu-west-1."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as eu-west-1 or us-east-1."
  }
}

variable "name" {
  description = "Service name, used as the prefix of every resource name (ALB and target-group names are limited to 32 characters, hence the 20-character limit)."
  type        = string
  default     = "hello-service"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name))
    error_message = "name must be 2-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }
}

variable "environment" {
  description = "Environment name (production, staging, ...). Appended to resource names and tagged; 'production' turns ALB deletion protection on by default."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,9}$", var.environment))
    error_message = "environment must be 1-10 characters of a-z and 0-9, starting with a letter."
  }
}

variable "repository" {
  description = "Source repository as OWNER/REPO, recorded in the Repository tag of every resource. Null leaves the tag out."
  type        = string
  default     = null

  validation {
    condition     = var.repository == null || can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.repository))
    error_message = "repository must look like OWNER/REPO (GitHub names), or be null."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary that every IAM role of this stack carries. Default (null): the bootstrap's boundary for this name, arn:<partition>:iam::<account>:policy/<name>-permissions-boundary (its permissions_boundary_arn output). Set it only when the bootstrap's project_name differs from name."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN such as arn:aws:iam::123456789012:policy/hello-service-permissions-boundary (terraform -chdir=terraform/bootstrap output -raw permissions_boundary_arn), or unset for the bootstrap's default."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC to use. Null (default) selects the account's default VPC."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0123456789abcdef0, or null for the default VPC."
  }
}

variable "subnet_ids" {
  description = "Public subnets for the ALB, in at least two AZs. Empty (default) selects two default subnets of the default VPC. Tasks run here too unless private_subnet_ids is set."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.subnet_ids) == 0 || (length(var.subnet_ids) >= 2 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))]))
    error_message = "subnet_ids must be empty or list at least two subnet ids (subnet-0123456789abcdef0) in different AZs."
  }

  validation {
    condition     = length(var.subnet_ids) == 0 || var.vpc_id != null
    error_message = "subnet_ids needs vpc_id: set the VPC the subnets belong to."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets with egress (NAT gateway or VPC endpoints) for the tasks, in at least two AZs. When set, tasks get no public IP. Empty (default) runs tasks in subnet_ids with a public IP (see docs/infrastructure.md, Network)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.private_subnet_ids) == 0 || (length(var.private_subnet_ids) >= 2 && alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))]))
    error_message = "private_subnet_ids must be empty or list at least two subnet ids (subnet-0123456789abcdef0) in different AZs."
  }

  validation {
    condition     = length(var.private_subnet_ids) == 0 || length(var.subnet_ids) > 0
    error_message = "private_subnet_ids needs subnet_ids (the public subnets for the ALB) and vpc_id."
  }
}

################################################################################
# HTTPS
################################################################################

variable "domain_name" {
  description = "Public hostname of the service, e.g. api.example.com. With route53_zone_id, an alias record is created (and an ACM certificate issued unless certificate_arn is set). Also passed to the service as PUBLIC_HOSTNAME."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name such as api.example.com, or null."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone that holds domain_name. Needed to issue the ACM certificate (DNS validation) and to create the alias record."
  type        = string
  default     = null

  validation {
    condition     = var.route53_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a hosted zone id such as Z0123456789ABCDEFGHIJ, or null."
  }

  validation {
    condition     = var.route53_zone_id == null || var.domain_name != null
    error_message = "route53_zone_id needs domain_name: the record and certificate are for that name."
  }
}

variable "certificate_arn" {
  description = "Existing ACM certificate (same region) for domain_name. Set it, or set domain_name + route53_zone_id to have one issued; otherwise the ALB serves plain HTTP only."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID), or null."
  }

  validation {
    condition     = var.certificate_arn == null || var.domain_name != null
    error_message = "certificate_arn needs domain_name: the hostname the certificate covers, used for service_url and PUBLIC_HOSTNAME."
  }
}

################################################################################
# Load balancer
################################################################################

variable "alb_deletion_protection" {
  description = "Protect the ALB from deletion. Null (default) means on for the production environment and off elsewhere."
  type        = bool
  default     = null
}

variable "alb_access_logs_enabled" {
  description = "Write ALB access logs to a dedicated SSE-S3 bucket (created here, objects expire after log_retention_days)."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Container and task
################################################################################

variable "image_tag" {
  description = "Image tag to run from this stack's ECR repository (normally the git commit SHA). Also passed to the service as APP_COMMIT, which /health reports as commit."
  type        = string

  validation {
    # The rule of lib/image-tag.ts, which --image-tag and APP_COMMIT follow too (test/image-tag.test.ts checks all three).
    condition     = can(regex("^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be 1-64 characters of A-Z a-z 0-9 . _ -, start with a letter or digit, and not be 'latest' (tags are immutable; deploy a commit SHA)."
  }
}

variable "app_version" {
  description = "Version string the service reports (APP_VERSION), e.g. 1.4.2. Null (default) keeps the version in the image's package.json."
  type        = string
  default     = null

  validation {
    condition     = var.app_version == null || can(regex("^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$", var.app_version))
    error_message = "app_version must be 1-64 characters of A-Z a-z 0-9 . + _ -, starting with a letter or digit, or null."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB; must be a valid combination with task_cpu (256: 512-2048, 512: 1024-4096, 1024: 2048-8192, 2048: 4096-16384, 4096: 8192-30720)."
  type        = number
  default     = 512

  validation {
    # Fargate's CPU/memory table: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
    condition = (
      var.task_cpu == 256 ? contains([512, 1024, 2048], var.task_memory) :
      var.task_memory % 1024 == 0 && var.task_memory >= var.task_cpu * 2 && var.task_memory <= min(var.task_cpu * 8, 30720)
    )
    error_message = "task_memory is not valid for task_cpu: 256 takes 512, 1024 or 2048; larger sizes take 2x-8x the CPU units in 1024 MiB steps (max 30720)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the task: X86_64 (default) or ARM64 (Graviton, cheaper; the image must be built for linux/arm64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "allowed_origins" {
  description = "Browser origins allowed by CORS (ALLOWED_ORIGINS), exact scheme://host[:port] without a path or trailing slash. Empty allows none."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for origin in var.allowed_origins : can(regex("^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", origin))])
    error_message = "allowed_origins entries must be exact origins such as https://app.example.com (no path, no trailing slash, no wildcard)."
  }
}

variable "log_level" {
  description = "Service log level (LOG_LEVEL)."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be one of debug, info, warn, error."
  }
}

variable "app_rate_limit_per_minute" {
  description = "Per-task request limit per client IP per minute (RATE_LIMIT_PER_MINUTE). Each task counts alone; the WAF rule is the cross-task limit. Null keeps the service's default."
  type        = number
  default     = null

  validation {
    condition     = var.app_rate_limit_per_minute == null || try(var.app_rate_limit_per_minute >= 1 && floor(var.app_rate_limit_per_minute) == var.app_rate_limit_per_minute, false)
    error_message = "app_rate_limit_per_minute must be a positive whole number, or null."
  }
}

variable "app_rate_limit_burst" {
  description = "Per-task burst allowance above the per-minute rate (RATE_LIMIT_BURST). Null keeps the service's default."
  type        = number
  default     = null

  validation {
    condition     = var.app_rate_limit_burst == null || try(var.app_rate_limit_burst >= 1 && floor(var.app_rate_limit_burst) == var.app_rate_limit_burst, false)
    error_message = "app_rate_limit_burst must be a positive whole number, or null."
  }
}

variable "ecr_keep_tagged_images" {
  description = "How many of the most recently pushed tagged images ECR keeps; older ones expire. This is the rollback window: a deploy can go back to any of these tags. The default, 30, covers a month of daily deploys for the cost of storing 30 images (their layers are shared)."
  type        = number
  default     = 30

  validation {
    # 2: the running image and one to roll back to. More than 1000 is more likely a typo than a rollback plan.
    condition     = var.ecr_keep_tagged_images >= 2 && var.ecr_keep_tagged_images <= 1000 && floor(var.ecr_keep_tagged_images) == var.ecr_keep_tagged_images
    error_message = "ecr_keep_tagged_images must be a whole number from 2 (the running image and one to roll back to) to 1000."
  }
}

variable "container_secrets" {
  description = "Secrets injected as environment variables: map of NAME to a Secrets Manager secret ARN or SSM parameter ARN. The execution role may read exactly these. Never put secrets in plain environment."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for name, arn in var.container_secrets : can(regex("^[A-Z][A-Z0-9_]*$", name)) && can(regex("^arn:aws[a-z-]*:(secretsmanager|ssm):", arn))])
    error_message = "container_secrets keys must be UPPER_SNAKE_CASE names and values Secrets Manager or SSM parameter ARNs."
  }
}

################################################################################
# Scaling
################################################################################

variable "autoscaling_max_capacity" {
  description = "Most tasks autoscaling may run (the minimum is fixed at 2, one per AZ)."
  type        = number
  default     = 6

  validation {
    condition     = var.autoscaling_max_capacity >= 2 && var.autoscaling_max_capacity <= 100 && floor(var.autoscaling_max_capacity) == var.autoscaling_max_capacity
    error_message = "autoscaling_max_capacity must be a whole number from 2 to 100."
  }
}

variable "autoscaling_cpu_target" {
  description = "Average CPU utilisation (%) that target tracking keeps the service at."
  type        = number
  default     = 65

  validation {
    condition     = var.autoscaling_cpu_target >= 20 && var.autoscaling_cpu_target <= 90
    error_message = "autoscaling_cpu_target must be between 20 and 90 (percent)."
  }
}

variable "autoscaling_requests_per_target" {
  description = "ALB requests per task per minute that target tracking keeps the service at (ALBRequestCountPerTarget). Null disables this policy."
  type        = number
  default     = 1000

  validation {
    condition     = var.autoscaling_requests_per_target == null || try(var.autoscaling_requests_per_target >= 1, false)
    error_message = "autoscaling_requests_per_target must be a positive number, or null to disable request-count scaling."
  }
}

################################################################################
# Logging
################################################################################

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups (app, VPC flow logs, WAF) and of ALB access-log objects, in days."
  type        = number
  default     = 30

  validation {
    # The values CloudWatch Logs accepts (PutRetentionPolicy); 0 (never expire) is deliberately not offered.
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "flow_logs_enabled" {
  description = "Send VPC flow logs (all traffic) of the VPC to CloudWatch Logs."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# WAF
################################################################################

variable "waf_enabled" {
  description = "Attach a WAFv2 web ACL to the ALB: per-IP rate limit (the cross-task limit) plus AWS managed Common, KnownBadInputs and IP-reputation rules. About USD 9/month (1 web ACL + 4 rules) plus USD 0.60 per million requests and the WAF log ingestion."
  type        = bool
  default     = true
  nullable    = false
}

variable "waf_rate_limit" {
  description = "Requests one client IP may send in waf_rate_window_seconds before the WAF blocks it (across all tasks)."
  type        = number
  default     = 1000

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit
    error_message = "waf_rate_limit must be a whole number from 10 (the WAF minimum) to 2000000000."
  }
}

variable "waf_rate_window_seconds" {
  description = "Evaluation window of the WAF rate rule, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.waf_rate_window_seconds)
    error_message = "waf_rate_window_seconds must be one of 60, 120, 300, 600 (the windows WAF supports)."
  }
}
