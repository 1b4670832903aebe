# Plan-level tests of the main stack against a mocked AWS provider: tasks, container contract, network, HTTPS, scaling, WAF.
# Run: terraform init -backend=false -plugin-dir=/opt/tf-plugins && terraform test

# Computed values (ARNs, URLs, ids) are unknown at plan time; `override_during = plan` makes the mocks below supply
# them during plan, so the container definitions and references can be asserted.
mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# Distinct ids for the two security groups, so "from the ALB SG" can be told apart from "from itself".
override_resource {
  target          = aws_security_group.alb
  override_during = plan
  values          = { id = "sg-0a1b0a1b0a1b0a1b0" }
}

override_resource {
  target          = aws_security_group.tasks
  override_during = plan
  values          = { id = "sg-0c2d0c2d0c2d0c2d0" }
}

variables {
  image_tag = "0123456789abcdef0123456789abcdef01234567"
}

run "defaults_two_tasks_behind_http_alb" {
  command = plan

  # Tasks and deployment
  assert {
    condition     = aws_ecs_service.this.desired_count == 2
    error_message = "The service must start with 2 tasks."
  }
  assert {
    condition     = aws_ecs_service.this.launch_type == "FARGATE" && aws_ecs_service.this.platform_version == "LATEST"
    error_message = "The service must run on Fargate, platform LATEST."
  }
  assert {
    condition     = aws_ecs_service.this.deployment_minimum_healthy_percent == 100 && aws_ecs_service.this.deployment_maximum_percent == 200
    error_message = "Rolling deployments must keep 100% healthy and allow 200%."
  }
  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "The deployment circuit breaker must be on, with rollback."
  }
  assert {
    condition     = aws_ecs_service.this.propagate_tags == "SERVICE" && aws_ecs_service.this.health_check_grace_period_seconds >= 30
    error_message = "The service must propagate tags and have a health-check grace period."
  }
  assert {
    condition     = aws_ecs_service.this.network_configuration[0].subnets == toset(["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"])
    error_message = "With the default VPC, tasks must run in the first two default subnets (sorted)."
  }
  assert {
    condition     = aws_ecs_service.this.network_configuration[0].assign_public_ip == true
    error_message = "In the default VPC (no NAT) tasks need a public IP to pull the image."
  }
  assert {
    condition     = aws_ecs_service.this.network_configuration[0].security_groups == toset(["sg-0c2d0c2d0c2d0c2d0"])
    error_message = "Tasks must use only the task security group."
  }

  # Task definition and container contract
  assert {
    condition     = aws_ecs_task_definition.this.network_mode == "awsvpc" && aws_ecs_task_definition.this.cpu == "256" && aws_ecs_task_definition.this.memory == "512"
    error_message = "The task definition must be awsvpc with 256 CPU / 512 MiB by default."
  }
  assert {
    condition     = aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "X86_64"
    error_message = "The default CPU architecture must be X86_64."
  }
  assert {
    condition     = aws_ecs_task_definition.this.skip_destroy
    error_message = "Earlier task definition revisions must stay ACTIVE (skip_destroy) for the circuit breaker and rollbacks."
  }
  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.this.container_definitions)) == 1
    error_message = "The task must have exactly one container."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].image == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-service-production:0123456789abcdef0123456789abcdef01234567"
    error_message = "The image must be <ecr_repository_url>:<image_tag>."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command == ["CMD", "node", "dist/scripts/healthcheck.js"]
    error_message = "The health check must run the Node script in CMD form (no shell)."
  }
  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.interval == 15 &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.timeout == 5 &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.retries == 3 &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.startPeriod == 10
    )
    error_message = "The health check timing must be interval 15, timeout 5, retries 3, start period 10 (as in the Dockerfile)."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "The root filesystem must be read-only."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "1000:1000"
    error_message = "The container must run as the non-root node user (uid 1000)."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].linuxParameters.initProcessEnabled == true
    error_message = "An init process must forward signals and reap zombies."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 30
    error_message = "stopTimeout must be 30 s."
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].portMappings[0].containerPort == 8080
    error_message = "The container must expose port 8080."
  }
  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.logDriver == "awslogs" &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/hello-service-production" &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options.mode == "non-blocking" &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.options["max-buffer-size"] == "25m"
    )
    error_message = "Logs must go to the app log group via awslogs in non-blocking mode with a 25m buffer."
  }
  assert {
    condition = {
      for entry in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : entry.name => entry.value
      } == {
      ALLOWED_ORIGINS = ""
      APP_COMMIT      = "0123456789abcdef0123456789abcdef01234567"
      FORCE_HTTPS     = "false"
      LOG_LEVEL       = "info"
      NODE_ENV        = "production"
      PORT            = "8080"
      TRUSTED_PROXIES = "172.31.0.0/16"
    }
    error_message = "The container environment must be exactly the documented settings (no secrets, no PUBLIC_HOSTNAME without a domain)."
  }
  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets) == 0
    error_message = "No secrets are configured by default."
  }

  # Security groups: tasks reachable only from the ALB
  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.referenced_security_group_id == "sg-0a1b0a1b0a1b0a1b0"
    error_message = "The task ingress rule must reference the ALB security group."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.security_group_id == "sg-0c2d0c2d0c2d0c2d0"
    error_message = "The task ingress rule must belong to the task security group."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.from_port == 8080 && aws_vpc_security_group_ingress_rule.tasks_from_alb.to_port == 8080
    error_message = "Tasks must accept only the container port."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.tasks_from_alb.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.tasks_from_alb.cidr_ipv6 == null
    error_message = "The task ingress rule must not open a CIDR."
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.alb_to_tasks.referenced_security_group_id == "sg-0c2d0c2d0c2d0c2d0" && aws_vpc_security_group_egress_rule.alb_to_tasks.from_port == 8080
    error_message = "The ALB may send only to the task security group on the container port."
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.tasks_https_ipv4.from_port == 443 && aws_vpc_security_group_egress_rule.tasks_https_ipv4.to_port == 443
    error_message = "Tasks may send only HTTPS."
  }

  # Load balancer
  assert {
    condition     = aws_lb.this.internal == false && aws_lb.this.drop_invalid_header_fields == true
    error_message = "The ALB must be internet-facing and drop invalid header fields."
  }
  assert {
    condition     = contains(["defensive", "strictest"], aws_lb.this.desync_mitigation_mode) && aws_lb.this.idle_timeout == 60
    error_message = "The ALB must use defensive/strictest desync mitigation and a 60 s idle timeout."
  }
  assert {
    condition     = aws_lb.this.enable_deletion_protection == true
    error_message = "Deletion protection must default to on in production."
  }
  assert {
    condition     = aws_lb.this.access_logs[0].enabled == true && aws_lb.this.access_logs[0].bucket == "hello-service-production-alb-logs-20260101"
    error_message = "ALB access logs must go to the dedicated bucket by default."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.alb_logs[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The access-log bucket must use SSE-S3 (ELB cannot write to SSE-KMS buckets)."
  }
  assert {
    condition = jsondecode(aws_s3_bucket_policy.alb_logs[0].policy).Statement[0].Principal == {
      AWS     = "arn:aws:iam::156460612806:root"
      Service = "logdelivery.elasticloadbalancing.amazonaws.com"
    }
    error_message = "In an older region the log bucket must admit the regional ELB account and the log-delivery service."
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.alb_logs[0].policy).Statement[0].Resource == "arn:aws:s3:::hello-service-production-alb-logs-20260101/alb/AWSLogs/123456789012/*"
    error_message = "Log delivery may write only under the ALB's prefix for this account."
  }
  assert {
    condition = (
      aws_lb_target_group.this.target_type == "ip" &&
      aws_lb_target_group.this.health_check[0].path == "/health" &&
      aws_lb_target_group.this.health_check[0].matcher == "200" &&
      aws_lb_target_group.this.health_check[0].healthy_threshold == 2 &&
      aws_lb_target_group.this.health_check[0].unhealthy_threshold == 3 &&
      aws_lb_target_group.this.health_check[0].interval >= 10 && aws_lb_target_group.this.health_check[0].interval <= 15
    )
    error_message = "The target group must be ip-based and health-check /health (200, healthy 2, unhealthy 3, interval 10-15 s)."
  }
  assert {
    condition     = tonumber(aws_lb_target_group.this.deregistration_delay) <= 30
    error_message = "The deregistration delay must be 30 s or less."
  }

  # HTTPS off
  assert {
    condition     = length(aws_lb_listener.https) == 0
    error_message = "Without a certificate there must be no 443 listener."
  }
  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "forward" && length(aws_lb_listener.http.default_action) == 1
    error_message = "Without a certificate port 80 must forward to the target group."
  }
  assert {
    condition     = output.https_enabled == false && startswith(output.https_status, "HTTPS is OFF")
    error_message = "The outputs must say that HTTPS is off."
  }
  assert {
    condition     = output.image_tag == "0123456789abcdef0123456789abcdef01234567" && output.cpu_architecture == "X86_64"
    error_message = "The deploy tooling reads image_tag and cpu_architecture from the outputs."
  }
  assert {
    condition     = output.ecr_repository_url == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-service-production" && output.cluster_name == "hello-service-production" && output.service_name == "hello-service-production"
    error_message = "The deploy tooling reads ecr_repository_url, cluster_name and service_name."
  }
  assert {
    condition     = output.service_url == "http://hello-service-production-1234567890.eu-west-1.elb.amazonaws.com"
    error_message = "service_url must be the plain-HTTP ALB URL without a trailing slash."
  }

  # ECR
  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE" && aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push
    error_message = "The repository must have immutable tags and scan on push."
  }
  assert {
    condition     = length(jsondecode(aws_ecr_lifecycle_policy.this.policy).rules) == 2
    error_message = "The ECR lifecycle policy must have the two rules (untagged 7 days, keep 30 tagged)."
  }
  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[1].selection.countNumber == 30
    error_message = "By default the 30 most recent tagged images stay (the rollback window)."
  }

  # Cluster, scaling, logs
  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights must be on."
  }
  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 6
    error_message = "Autoscaling must run 2 to 6 tasks by default."
  }
  assert {
    condition = (
      aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value >= 60 &&
      aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value <= 70 &&
      aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].scale_out_cooldown == 60 &&
      aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 300
    )
    error_message = "CPU target tracking must aim at 60-70 % with cooldowns out 60 s / in 300 s."
  }
  assert {
    condition     = aws_appautoscaling_policy.requests[0].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].resource_label == "app/hello-service-production/0123456789abcdef/targetgroup/hello-service-production/0123456789abcdef"
    error_message = "Request-count scaling must track this ALB and target group."
  }
  assert {
    condition     = aws_cloudwatch_log_group.app.retention_in_days == 30 && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 30
    error_message = "Log groups must keep logs 30 days by default."
  }
  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].vpc_id == "vpc-0123456789abcdef0"
    error_message = "VPC flow logs must be on for the VPC by default."
  }

  # IAM: least privilege
  assert {
    condition     = jsondecode(aws_iam_role.task_execution.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "The execution role's trust must be scoped with aws:SourceAccount."
  }
  assert {
    condition = toset(flatten([for statement in jsondecode(aws_iam_role_policy.task_execution.policy).Statement : statement.Resource])) == toset([
      "*",
      "arn:aws:ecr:eu-west-1:123456789012:repository/hello-service-production",
      "arn:aws:logs:eu-west-1:123456789012:log-group:mocked:*",
    ])
    error_message = "The execution role may touch only this repository and this log group (plus the registry login)."
  }
  assert {
    condition     = one([for statement in jsondecode(aws_iam_role_policy.task_execution.policy).Statement : statement.Action if statement.Resource == "*"]) == "ecr:GetAuthorizationToken"
    error_message = "Only ecr:GetAuthorizationToken may use Resource \"*\"."
  }
  assert {
    condition     = aws_iam_role.task.arn != aws_iam_role.task_execution.arn || aws_iam_role.task.name != aws_iam_role.task_execution.name
    error_message = "The task role must be separate from the execution role."
  }
  assert {
    condition = alltrue([
      for role in [aws_iam_role.task_execution, aws_iam_role.task, aws_iam_role.flow_logs[0]] :
      role.permissions_boundary == "arn:aws:iam::123456789012:policy/hello-service-permissions-boundary"
    ])
    error_message = "Every role must carry the bootstrap's permissions boundary, found by name by default (the apply role can create no other)."
  }

  # Default subnets only in AZs where Fargate runs
  assert {
    condition     = one([for f in data.aws_subnets.default[0].filter : f.values if f.name == "availability-zone-id"]) == toset(["euw1-az1", "euw1-az2", "euw1-az3"])
    error_message = "Default subnets must be filtered to the AZ IDs where Fargate runs."
  }
  assert {
    condition     = [for f in data.aws_availability_zones.fargate[0].filter : f.name] == ["zone-type"]
    error_message = "In a region where Fargate runs in every AZ, only Local and Wavelength Zones are left out."
  }

  # WAF on by default
  assert {
    condition     = length(aws_wafv2_web_acl.this) == 1 && length(aws_wafv2_web_acl_association.this) == 1
    error_message = "The WAF must be on by default and attached to the ALB."
  }
  assert {
    condition     = one([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].rate_based_statement[0] if length(r.statement[0].rate_based_statement) > 0]).limit == 1000
    error_message = "The WAF must have one per-IP rate rule with the default limit."
  }
  assert {
    condition = toset([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].managed_rule_group_statement[0].name if length(r.statement[0].managed_rule_group_statement) > 0]) == toset([
      "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
    ])
    error_message = "The WAF must use the Common, KnownBadInputs and IP-reputation managed groups."
  }
}
