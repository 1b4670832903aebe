# Derived names and switches shared by several files.
locals {
  name = "${var.name}-${var.environment}"

  default_tags = merge(
    {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.repository == null ? {} : { Repository = var.repository },
  )

  container_name = "app"
  # The service listens here (Dockerfile EXPOSE 8080, PORT env below).
  container_port = 8080

  # HTTPS is on with a given certificate, or when one can be issued for domain_name in route53_zone_id.
  issue_certificate = var.certificate_arn == null && var.domain_name != null && var.route53_zone_id != null
  https_enabled     = var.certificate_arn != null || local.issue_certificate
  certificate_arn   = local.issue_certificate ? aws_acm_certificate_validation.this[0].certificate_arn : var.certificate_arn

  alb_deletion_protection = coalesce(var.alb_deletion_protection, var.environment == "production")
}
