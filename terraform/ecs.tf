# ECS: cluster, Fargate task definition (the container's runtime contract) and the service behind the ALB.

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

locals {
  image = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"

  # Only non-secret settings; secrets go through container_secrets (valueFrom), never plain environment.
  container_environment = merge(
    {
      NODE_ENV        = "production"
      PORT            = tostring(local.container_port)
      APP_COMMIT      = var.image_tag
      LOG_LEVEL       = var.log_level
      ALLOWED_ORIGINS = join(",", var.allowed_origins)
      # The ALB's addresses come from the VPC CIDR: only X-Forwarded-For hops added there are trusted.
      TRUSTED_PROXIES = local.vpc_cidr
      FORCE_HTTPS     = tostring(local.https_enabled)
    },
    # Without app_version the service reports its package.json version; the image tag is always APP_COMMIT.
    var.app_version == null ? {} : { APP_VERSION = var.app_version },
    var.domain_name == null ? {} : { PUBLIC_HOSTNAME = var.domain_name },
    var.app_rate_limit_per_minute == null ? {} : { RATE_LIMIT_PER_MINUTE = tostring(var.app_rate_limit_per_minute) },
    var.app_rate_limit_burst == null ? {} : { RATE_LIMIT_BURST = tostring(var.app_rate_limit_burst) },
  )

  container_definition = {
    name      = local.container_name
    image     = local.image
    essential = true

    portMappings = [{
      containerPort = local.container_port
      protocol      = "tcp"
    }]

    # uid:gid of the image's "node" user; the image must not need root.
    user                   = "1000:1000"
    readonlyRootFilesystem = true
    privileged             = false
    # tini as PID 1: forwards SIGTERM to node and reaps zombies.
    linuxParameters = { initProcessEnabled = true }
    # Fargate allows up to 120 s; the service drains within 30 s (shutdown deadline 25 s).
    stopTimeout = 30
    # One file descriptor per connection. Fargate's documented default is 65535; written here so that MAX_CONNECTIONS
    # (4096 by default) stays below it and the service can still accept, answer 503 and close a connection past the cap.
    ulimits = [{ name = "nofile", softLimit = 65535, hardLimit = 65535 }]

    # CMD form: no shell in the image is needed. Values match the Dockerfile HEALTHCHECK.
    healthCheck = {
      command     = ["CMD", "node", "dist/scripts/healthcheck.js"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }

    environment = [for key in sort(keys(local.container_environment)) : { name = key, value = local.container_environment[key] }]
    secrets     = [for key in sort(keys(var.container_secrets)) : { name = key, valueFrom = var.container_secrets[key] }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.app.name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "app"
        # A full CloudWatch buffer must not block the event loop; when the 25 MiB buffer overflows, lines are lost.
        mode              = "non-blocking"
        "max-buffer-size" = "25m"
      }
    }
  }
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.task_execution.arn
  task_role_arn            = aws_iam_role.task.arn

  # A new image tag registers a new revision (a routine replace, see scripts/lib/versioned-resources.ts). Earlier
  # revisions stay ACTIVE instead of being deregistered, so the circuit breaker and a manual rollback can use them.
  skip_destroy = true

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([local.container_definition])
}

resource "aws_ecs_service" "this" {
  #checkov:skip=CKV_AWS_333:Only in the default VPC (no private_subnet_ids): it has no NAT, so the public IP is the tasks' route to ECR and CloudWatch Logs. It admits nothing: the task security group lets in only the ALB. With private_subnet_ids set, no public IP is assigned.
  name             = local.name
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.this.arn
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  # Two tasks, one per subnet/AZ (ECS spreads across AZs by default). Autoscaling owns the count after creation.
  desired_count = 2

  # 100/200: two new tasks start and pass health checks before the old two stop, so capacity never drops.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  # Longer than start period + two passing ALB checks, so a starting task is not killed for being slow.
  health_check_grace_period_seconds = 60

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.task_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = local.assign_public_ip
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = local.container_name
    container_port   = local.container_port
  }

  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true
  enable_execute_command  = false

  lifecycle {
    ignore_changes = [desired_count]
  }

  # The target group must be attached to a listener before a service can register targets in it.
  depends_on = [aws_lb_listener.http, aws_lb_listener.https, aws_iam_role_policy.task_execution]
}
