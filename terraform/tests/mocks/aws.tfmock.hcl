# Mocked AWS values for the plan tests: fixed ids, ARNs and URLs in place of what the real provider computes.

mock_data "aws_vpc" {
  defaults = {
    id         = "vpc-0123456789abcdef0"
    cidr_block = "172.31.0.0/16"
  }
}

# Deliberately unsorted and three of them: the stack must pick two, in a stable (sorted) order.
mock_data "aws_subnets" {
  defaults = {
    ids = ["subnet-0cccccccccccccccc", "subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  }
}

mock_data "aws_availability_zones" {
  defaults = { zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"] }
}

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_elb_service_account" {
  defaults = { arn = "arn:aws:iam::156460612806:root" }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/hello-service-production"
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-service-production"
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/hello-service-production/0123456789abcdef"
    arn_suffix = "app/hello-service-production/0123456789abcdef"
    dns_name   = "hello-service-production-1234567890.eu-west-1.elb.amazonaws.com"
    zone_id    = "Z32O12XQLNTSW2"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hello-service-production/0123456789abcdef"
    arn_suffix = "targetgroup/hello-service-production/0123456789abcdef"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    id  = "hello-service-production-alb-logs-20260101"
    arn = "arn:aws:s3:::hello-service-production-alb-logs-20260101"
  }
}

mock_resource "aws_ecs_cluster" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/hello-service-production" }
}

mock_resource "aws_wafv2_web_acl" {
  defaults = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/hello-service-production/0123" }
}

mock_resource "aws_acm_certificate" {
  defaults = {
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    domain_validation_options = [{
      domain_name           = "api.example.com"
      resource_record_name  = "_abc.api.example.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_def.acm-validations.aws."
    }]
  }
}

mock_resource "aws_acm_certificate_validation" {
  defaults = { certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" }
}
