# Plan-level tests of the optional parts: WAF off, private subnets, ARM64 and sizes, secrets, rate limits, logs off.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  image_tag = "0123abc"
}

run "waf_off" {
  command = plan

  variables {
    waf_enabled = false
  }

  assert {
    condition     = length(aws_wafv2_web_acl.this) == 0 && length(aws_wafv2_web_acl_association.this) == 0 && length(aws_cloudwatch_log_group.waf) == 0
    error_message = "waf_enabled = false must create no web ACL, association or WAF log group."
  }
  assert {
    condition     = output.waf_web_acl_arn == null
    error_message = "waf_web_acl_arn must be null with the WAF off."
  }
}

run "waf_rate_settings" {
  command = plan

  variables {
    waf_rate_limit          = 200
    waf_rate_window_seconds = 60
  }

  assert {
    condition = (
      one([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].rate_based_statement[0] if length(r.statement[0].rate_based_statement) > 0]).limit == 200 &&
      one([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].rate_based_statement[0] if length(r.statement[0].rate_based_statement) > 0]).evaluation_window_sec == 60 &&
      one([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].rate_based_statement[0] if length(r.statement[0].rate_based_statement) > 0]).aggregate_key_type == "IP"
    )
    error_message = "The rate rule must use the configured limit and window, keyed by client IP."
  }
  assert {
    condition     = aws_wafv2_web_acl_association.this[0].resource_arn == "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/hello-service-production/0123456789abcdef"
    error_message = "The web ACL must be attached to this ALB."
  }
}

run "private_subnets_no_public_ip" {
  command = plan

  variables {
    vpc_id             = "vpc-0fedcba9876543210"
    subnet_ids         = ["subnet-01111111111111111", "subnet-02222222222222222"]
    private_subnet_ids = ["subnet-03333333333333333", "subnet-04444444444444444"]
  }

  assert {
    condition     = aws_ecs_service.this.network_configuration[0].assign_public_ip == false
    error_message = "Tasks in private subnets must get no public IP."
  }
  assert {
    condition     = aws_ecs_service.this.network_configuration[0].subnets == toset(["subnet-03333333333333333", "subnet-04444444444444444"])
    error_message = "Tasks must run in the private subnets."
  }
  assert {
    condition     = aws_lb.this.subnets == toset(["subnet-01111111111111111", "subnet-02222222222222222"])
    error_message = "The ALB must stay in the public subnets."
  }
  assert {
    condition     = length(data.aws_subnets.default) == 0
    error_message = "Given subnets must not look up the default subnets."
  }
}

run "arm64_bigger_task_secrets_and_limits" {
  command = plan

  variables {
    cpu_architecture          = "ARM64"
    task_cpu                  = 512
    task_memory               = 1024
    environment               = "staging"
    allowed_origins           = ["https://app.example.com", "http://localhost:5173"]
    app_rate_limit_per_minute = 120
    app_rate_limit_burst      = 20
    autoscaling_max_capacity  = 10
    app_version               = "2.4.0"
    container_secrets = {
      DATABASE_PASSWORD = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
    }
  }

  assert {
    condition     = aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "ARM64" && aws_ecs_task_definition.this.cpu == "512" && aws_ecs_task_definition.this.memory == "1024"
    error_message = "Architecture and size must follow the variables."
  }
  assert {
    condition     = one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "APP_VERSION"]) == "2.4.0"
    error_message = "app_version must reach the service as APP_VERSION."
  }
  assert {
    condition     = aws_lb.this.enable_deletion_protection == false && aws_lb.this.name == "hello-service-staging"
    error_message = "Outside production deletion protection defaults to off, and names carry the environment."
  }
  assert {
    condition = (
      one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "ALLOWED_ORIGINS"]) == "https://app.example.com,http://localhost:5173" &&
      one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "RATE_LIMIT_PER_MINUTE"]) == "120" &&
      one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "RATE_LIMIT_BURST"]) == "20"
    )
    error_message = "Origins must be comma-joined and the rate limits passed through."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets == [{ name = "DATABASE_PASSWORD", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf" }]
    error_message = "Secrets must be injected with valueFrom."
  }
  assert {
    condition     = !contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name], "DATABASE_PASSWORD")
    error_message = "A secret must never appear in plain environment."
  }
  assert {
    condition     = contains(flatten([for s in jsondecode(aws_iam_role_policy.task_execution.policy).Statement : s.Resource]), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")
    error_message = "The execution role must be allowed to read exactly the configured secret."
  }
  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 10
    error_message = "Autoscaling must keep min 2 and use the configured max."
  }
}

run "optional_logs_and_request_scaling_off" {
  command = plan

  variables {
    flow_logs_enabled               = false
    alb_access_logs_enabled         = false
    autoscaling_requests_per_target = null
    alb_deletion_protection         = false
  }

  assert {
    condition     = length(aws_flow_log.this) == 0 && length(aws_iam_role.flow_logs) == 0 && output.flow_log_group_name == null
    error_message = "Flow logs off must create no flow log, role or log group."
  }
  assert {
    condition     = length(aws_s3_bucket.alb_logs) == 0 && length(aws_lb.this.access_logs) == 0
    error_message = "Access logs off must create no bucket and no access_logs block."
  }
  assert {
    condition     = length(aws_appautoscaling_policy.requests) == 0 && aws_appautoscaling_target.this.min_capacity == 2
    error_message = "Request-count scaling off must leave CPU scaling with min 2."
  }
  assert {
    condition     = aws_lb.this.enable_deletion_protection == false
    error_message = "alb_deletion_protection = false must override the production default."
  }
}

run "access_logs_in_a_region_without_an_elb_account" {
  command = plan

  variables {
    aws_region = "ap-southeast-4"
  }

  assert {
    condition     = length(data.aws_elb_service_account.this) == 0
    error_message = "Regions launched since August 2022 have no ELB account to look up."
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.alb_logs[0].policy).Statement[0].Principal == { Service = "logdelivery.elasticloadbalancing.amazonaws.com" }
    error_message = "Newer regions must grant only the log-delivery service principal."
  }
}

# us-west-1 is one of the regions where Fargate runs in some AZs only.
run "fargate_zones_in_a_restricted_region" {
  command = plan

  variables {
    aws_region = "us-west-1"
  }

  assert {
    condition     = one([for f in data.aws_availability_zones.fargate[0].filter : f.values if f.name == "zone-id"]) == toset(["usw1-az1", "usw1-az3"])
    error_message = "In us-west-1 only usw1-az1 and usw1-az3 run Fargate."
  }
}

run "longer_rollback_window" {
  command = plan

  variables {
    ecr_keep_tagged_images = 100
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[1].selection.countNumber == 100 && jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[1].description == "Keep the 100 most recent tagged images"
    error_message = "ecr_keep_tagged_images sets how many tagged images the lifecycle policy keeps."
  }
}
