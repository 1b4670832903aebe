# WAF: optional web ACL on the ALB. Its per-IP rate rule is the cross-task limit (the in-process limiter counts per task).

locals {
  # Evaluated in priority order: cheap reputation blocking first, then the rate limit, then request inspection.
  waf_managed_rule_groups = {
    AWSManagedRulesAmazonIpReputationList = 0
    AWSManagedRulesCommonRuleSet          = 2
    AWSManagedRulesKnownBadInputsRuleSet  = 3
  }
}

resource "aws_wafv2_web_acl" "this" {
  count = var.waf_enabled ? 1 : 0

  name        = local.name
  description = "Rate limit and AWS managed rules for ${local.name}"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        evaluation_window_sec = var.waf_rate_window_seconds
        # The client's own address as seen by the ALB; X-Forwarded-For could be forged by the client.
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = local.waf_managed_rule_groups
    content {
      name     = rule.key
      priority = rule.value

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.key
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${local.name}-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.waf_enabled ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}

# WAF requires the log group name to start with "aws-waf-logs-".
resource "aws_cloudwatch_log_group" "waf" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest already. A customer managed key would add a second gate on reading, at USD 1 per key-month plus requests (https://aws.amazon.com/kms/pricing/) and a key policy to keep; these groups hold no secrets, and the plan role may not read log events.
  #checkov:skip=CKV_AWS_338:Retention is log_retention_days (default 30, any CloudWatch value up to 3653 accepted); a year of logs by default would multiply storage cost (https://aws.amazon.com/cloudwatch/pricing/) for a template whose logs are operational, not an audit record. Set 365 where policy requires it.
  count = var.waf_enabled ? 1 : 0

  name              = "aws-waf-logs-${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count = var.waf_enabled ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]
}
