# Outputs read by the deploy tooling (scripts/) and shown to operators. Every output has a description.

locals {
  public_host = var.domain_name != null ? var.domain_name : aws_lb.this.dns_name
}

output "service_url" {
  description = "Public base URL of the service without a trailing slash: https://<domain_name> when HTTPS is on, else http://<domain_name or ALB DNS name>."
  value       = "${local.https_enabled ? "https" : "http"}://${local.public_host}"
}

output "https_enabled" {
  description = "Whether the ALB serves HTTPS (443 forwards, 80 redirects with 301). False means plain HTTP only."
  value       = local.https_enabled
}

output "https_status" {
  description = "One line saying whether HTTPS is on and, if not, what enables it."
  value = (
    local.https_enabled
    ? "HTTPS is on for ${var.domain_name} (${local.ssl_policy}); HTTP redirects to HTTPS with 301."
    : "HTTPS is OFF: the ALB serves plain HTTP. Set certificate_arn + domain_name, or domain_name + route53_zone_id."
  )
}

output "alb_dns_name" {
  description = "DNS name of the ALB (point a CNAME or alias at it when DNS is not in Route 53)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone id of the ALB, for alias records managed elsewhere."
  value       = aws_lb.this.zone_id
}

output "ecr_repository_url" {
  description = "ECR repository URL to push images to (<account>.dkr.ecr.<region>.amazonaws.com/<name>), without a tag."
  value       = aws_ecr_repository.this.repository_url
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "container_name" {
  description = "Name of the application container in the task definition."
  value       = local.container_name
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition this apply registered."
  value       = aws_ecs_task_definition.this.arn
}

output "image" {
  description = "Full image reference the service runs (<ecr_repository_url>:<image_tag>)."
  value       = local.image
}

output "image_tag" {
  description = "Image tag the service runs (the image_tag variable of the last apply); plan and drift reuse it when no tag is given."
  value       = var.image_tag
}

output "cpu_architecture" {
  description = "CPU architecture of the task (X86_64 or ARM64); the deploy builds the image for the matching platform."
  value       = var.cpu_architecture
}

output "aws_region" {
  description = "Region the stack is deployed in."
  value       = var.aws_region
}

output "app_log_group_name" {
  description = "CloudWatch log group of the application containers."
  value       = aws_cloudwatch_log_group.app.name
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs, or null when flow logs are off."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}

output "waf_log_group_name" {
  description = "CloudWatch log group of the WAF, or null when the WAF is off."
  value       = try(aws_cloudwatch_log_group.waf[0].name, null)
}

output "alb_access_logs_bucket" {
  description = "S3 bucket holding the ALB access logs, or null when they are off."
  value       = try(aws_s3_bucket.alb_logs[0].id, null)
}

output "waf_web_acl_arn" {
  description = "ARN of the WAF web ACL on the ALB, or null when the WAF is off."
  value       = try(aws_wafv2_web_acl.this[0].arn, null)
}
