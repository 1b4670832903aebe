# Logging: the app log group, VPC flow logs to CloudWatch, and the optional ALB access-log bucket (SSE-S3).

resource "aws_cloudwatch_log_group" "app" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest already. A customer managed key would add a second gate on reading, at USD 1 per key-month plus requests (https://aws.amazon.com/kms/pricing/) and a key policy to keep; these groups hold no secrets, and the plan role may not read log events.
  #checkov:skip=CKV_AWS_338:Retention is log_retention_days (default 30, any CloudWatch value up to 3653 accepted); a year of logs by default would multiply storage cost (https://aws.amazon.com/cloudwatch/pricing/) for a template whose logs are operational, not an audit record. Set 365 where policy requires it.
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
}

################################################################################
# VPC flow logs
################################################################################

resource "aws_cloudwatch_log_group" "flow_logs" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest already. A customer managed key would add a second gate on reading, at USD 1 per key-month plus requests (https://aws.amazon.com/kms/pricing/) and a key policy to keep; these groups hold no secrets, and the plan role may not read log events.
  #checkov:skip=CKV_AWS_338:Retention is log_retention_days (default 30, any CloudWatch value up to 3653 accepted); a year of logs by default would multiply storage cost (https://aws.amazon.com/cloudwatch/pricing/) for a template whose logs are operational, not an audit record. Set 365 where policy requires it.
  count = var.flow_logs_enabled ? 1 : 0

  name              = "/vpc/${local.name}/flow-logs"
  retention_in_days = var.log_retention_days
}

resource "aws_flow_log" "this" {
  count = var.flow_logs_enabled ? 1 : 0

  vpc_id                   = local.vpc_id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 600

  tags = { Name = "${local.name}-flow-logs" }

  # The role must be allowed to write before the flow log starts delivering, and keep that right until it is gone.
  depends_on = [aws_iam_role_policy.flow_logs]
}

################################################################################
# ALB access logs bucket. ELB delivers only to SSE-S3 (AES256) buckets, not SSE-KMS.
################################################################################

locals {
  # Regions launched before August 2022 deliver ALB access logs as a regional ELB account; newer regions deliver as
  # the logdelivery.elasticloadbalancing.amazonaws.com service principal (granted everywhere). The provider's
  # aws_elb_service_account knows only the older regions and fails elsewhere, so it is read only for these.
  # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
  elb_account_regions = toset([
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-north-1",
    "me-south-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1",
  ])
  alb_logs_via_elb_account = var.alb_access_logs_enabled && contains(local.elb_account_regions, var.aws_region)
}

data "aws_elb_service_account" "this" {
  count = local.alb_logs_via_elb_account ? 1 : 0
}

resource "aws_s3_bucket" "alb_logs" {
  #checkov:skip=CKV_AWS_18:This bucket holds access logs itself; logging the reads and writes of a log bucket would need another bucket, and that one another.
  #checkov:skip=CKV_AWS_144:ALB access logs expire after log_retention_days and are not a system of record; a replica in a second region would double storage and add inter-region transfer (https://aws.amazon.com/s3/pricing/).
  #checkov:skip=CKV_AWS_145:Elastic Load Balancing delivers access logs only to buckets encrypted with SSE-S3; SSE-KMS makes delivery fail (ELB User Guide, "Enable access logs for your Application Load Balancer").
  #checkov:skip=CKV2_AWS_62:Nothing consumes events for new log objects; notifications need an SNS, SQS or Lambda target that would have no reader.
  count = var.alb_access_logs_enabled ? 1 : 0

  # bucket_prefix allows 37 characters: local.name (up to 31) + "-alb-".
  bucket_prefix = "${local.name}-alb-"
  # Keep logs when the stack is destroyed; empty the bucket by hand first if you really want it gone.
  force_destroy = false
}

resource "aws_s3_bucket_versioning" "alb_logs" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.alb_logs[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "alb_logs" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.alb_logs[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "alb_logs" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket                  = aws_s3_bucket.alb_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "alb_logs" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.alb_logs[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "alb_logs" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.alb_logs[0].id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}

    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "alb_logs" {
  count = var.alb_access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.alb_logs[0].id
  # Public access blocks first, so this policy is never evaluated against an unprotected bucket.
  depends_on = [aws_s3_bucket_public_access_block.alb_logs]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "AlbAccessLogDelivery"
        Effect = "Allow"
        Principal = merge(
          { Service = "logdelivery.elasticloadbalancing.amazonaws.com" },
          local.alb_logs_via_elb_account ? { AWS = data.aws_elb_service_account.this[0].arn } : {},
        )
        Action   = "s3:PutObject"
        Resource = "${aws_s3_bucket.alb_logs[0].arn}/alb/AWSLogs/${local.account_id}/*"
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.alb_logs[0].arn, "${aws_s3_bucket.alb_logs[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
