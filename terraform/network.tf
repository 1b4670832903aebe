# Network: the VPC and subnets (default VPC unless overridden) and the ALB and task security groups.

################################################################################
# VPC and subnets
################################################################################

data "aws_vpc" "this" {
  id      = var.vpc_id
  default = var.vpc_id == null ? true : null
}

# Fargate runs in every AZ of most regions, and only in these AZs of the others (AZ IDs name the same zone in every
# account; AZ names are shuffled per account): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate-Regions.html
locals {
  fargate_zone_ids = {
    "us-west-1"      = ["usw1-az1", "usw1-az3"]
    "ap-northeast-1" = ["apne1-az1", "apne1-az2", "apne1-az4"]
  }
}

data "aws_availability_zones" "fargate" {
  count = length(var.subnet_ids) == 0 ? 1 : 0

  state = "available"

  # Local Zones and Wavelength Zones can have default subnets too, but no Fargate.
  filter {
    name   = "zone-type"
    values = ["availability-zone"]
  }

  dynamic "filter" {
    for_each = contains(keys(local.fargate_zone_ids), var.aws_region) ? [local.fargate_zone_ids[var.aws_region]] : []
    content {
      name   = "zone-id"
      values = filter.value
    }
  }
}

# The default VPC has one default subnet per AZ; two of them in Fargate AZs (sorted, so the choice is stable) give
# two AZs.
data "aws_subnets" "default" {
  count = length(var.subnet_ids) == 0 ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.this.id]
  }

  filter {
    name   = "default-for-az"
    values = ["true"]
  }

  filter {
    name   = "availability-zone-id"
    values = data.aws_availability_zones.fargate[0].zone_ids
  }
}

locals {
  vpc_id            = data.aws_vpc.this.id
  vpc_cidr          = data.aws_vpc.this.cidr_block
  public_subnet_ids = length(var.subnet_ids) > 0 ? var.subnet_ids : slice(sort(data.aws_subnets.default[0].ids), 0, min(2, length(data.aws_subnets.default[0].ids)))
  # Without private subnets the tasks sit in the public subnets and need a public IP to reach ECR and CloudWatch
  # (the default VPC has no NAT); the task security group still admits only the ALB.
  task_subnet_ids  = length(var.private_subnet_ids) > 0 ? var.private_subnet_ids : local.public_subnet_ids
  assign_public_ip = length(var.private_subnet_ids) == 0
}

################################################################################
# ALB security group: 80/443 in from anywhere, out only to the tasks
################################################################################

resource "aws_security_group" "alb" {
  # A prefix, so create_before_destroy can make the replacement before the old group (same name) is gone.
  name_prefix = "${local.name}-alb-"
  description = "ALB for ${local.name}: HTTP/HTTPS from the internet, to the tasks only"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.name}-alb" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_http_ipv4" {
  #checkov:skip=CKV_AWS_260:Port 80 is the ALB's public HTTP listener. With HTTPS on it only answers 301 to HTTPS, so plain-http links and typed addresses still arrive; without a certificate it is the service's only listener.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet (IPv4); redirected to HTTPS when HTTPS is on"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http_ipv6" {
  #checkov:skip=CKV_AWS_260:Port 80 is the ALB's public HTTP listener. With HTTPS on it only answers 301 to HTTPS, so plain-http links and typed addresses still arrive; without a certificate it is the service's only listener.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet (IPv6); redirected to HTTPS when HTTPS is on"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv6         = "::/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_https_ipv4" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet (IPv4)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_https_ipv6" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv6         = "::/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the tasks on the container port only"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.tasks.id
}

################################################################################
# Task security group: in only from the ALB, out only HTTPS
################################################################################

resource "aws_security_group" "tasks" {
  # A prefix, so create_before_destroy can make the replacement before the old group (same name) is gone.
  name_prefix = "${local.name}-tasks-"
  description = "Tasks of ${local.name}: reachable only from the ALB"
  vpc_id      = local.vpc_id

  tags = { Name = "${local.name}-tasks" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "From the ALB on the container port only"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

# ECR (API, registry, S3 layers) and CloudWatch Logs are all HTTPS endpoints; DNS goes to the VPC resolver,
# which security groups do not filter. Nothing else leaves the task.
resource "aws_vpc_security_group_egress_rule" "tasks_https_ipv4" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS out (ECR image pull, CloudWatch Logs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
