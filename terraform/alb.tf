# Application Load Balancer: target group, listeners (HTTPS + redirect, or plain HTTP), ACM certificate and DNS record.

# AWS's recommended policy (the console default): TLS 1.3 and 1.2 with post-quantum key exchange. The API/Terraform
# default, ELBSecurityPolicy-2016-08, still allows TLS 1.0. The provider does not check this name, the tests do.
locals {
  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
}

resource "aws_lb" "this" {
  name               = local.name
  load_balancer_type = "application"
  internal           = false
  ip_address_type    = "ipv4"
  security_groups    = [aws_security_group.alb.id]
  subnets            = local.public_subnet_ids

  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  # The service's keep-alive timeout is longer than this, so the ALB, not the task, closes idle connections.
  idle_timeout               = 60
  enable_deletion_protection = local.alb_deletion_protection

  dynamic "access_logs" {
    for_each = var.alb_access_logs_enabled ? [1] : []
    content {
      bucket  = aws_s3_bucket.alb_logs[0].id
      prefix  = "alb"
      enabled = true
    }
  }

  # The bucket policy must exist before ELB tests write access to the bucket.
  depends_on = [aws_s3_bucket_policy.alb_logs]

  lifecycle {
    precondition {
      condition     = length(local.public_subnet_ids) >= 2
      error_message = "The ALB and the two tasks need subnets in two AZs, but the default VPC has fewer than two default subnets in AZs where Fargate runs in ${var.aws_region}: set vpc_id and subnet_ids (and private_subnet_ids) to subnets in two Fargate AZs."
    }
  }
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB (the HTTPS listener); from there to the tasks the traffic stays inside the VPC, on port 8080 that only the ALB security group may reach. HTTPS to the targets would need a certificate inside every task.
  name        = local.name
  target_type = "ip"
  protocol    = "HTTP"
  port        = local.container_port
  vpc_id      = local.vpc_id

  # ECS deregisters a task before it sends SIGTERM: for up to 30 s the ALB sends it no new requests while those in
  # flight finish, so the service's own drain (docs/security.md, Graceful shutdown) usually starts with nothing left to do.
  deregistration_delay = 30

  health_check {
    path                = "/health"
    matcher             = "200"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  # No create_before_destroy: target-group names are unique per region (a name_prefix may be only 6 characters),
  # so a replacement (new port, protocol or VPC) needs the listener moved first; such changes are rare.
}

################################################################################
# Listeners
################################################################################

resource "aws_lb_listener" "https" {
  count = local.https_enabled ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = local.ssl_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

# With HTTPS on, port 80 only redirects (301) to HTTPS; without a certificate it forwards, as the seed did.
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  dynamic "default_action" {
    for_each = local.https_enabled ? [1] : []
    content {
      type = "redirect"
      redirect {
        protocol    = "HTTPS"
        port        = "443"
        status_code = "HTTP_301"
      }
    }
  }

  dynamic "default_action" {
    for_each = local.https_enabled ? [] : [1]
    content {
      type             = "forward"
      target_group_arn = aws_lb_target_group.this.arn
    }
  }
}

################################################################################
# Certificate (DNS-validated) and DNS record
################################################################################

resource "aws_acm_certificate" "this" {
  count = local.issue_certificate ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  # A replacement certificate must be issued and attached before the old one is deleted.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = local.issue_certificate ? {
    for option in aws_acm_certificate.this[0].domain_validation_options : option.domain_name => option
  } : {}

  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = local.issue_certificate ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

resource "aws_route53_record" "service" {
  count = var.domain_name != null && var.route53_zone_id != null ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}
