# Variable validations: every bad value below must be rejected at plan time (expect_failures lists each one;
# a validation that stops failing makes its run fail with "missing expected failure").

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  image_tag = "0123abc"
}

run "rejects_bad_single_values" {
  command = plan

  variables {
    image_tag                 = "latest"
    aws_region                = "Europe"
    name                      = "This_Name_Is_Not_Valid_And_Too_Long"
    environment               = "prod-eu-west"
    vpc_id                    = "default"
    cpu_architecture          = "i386"
    task_cpu                  = 300
    log_level                 = "verbose"
    log_retention_days        = 0
    allowed_origins           = ["https://app.example.com/", "*"]
    app_rate_limit_per_minute = 0
    app_rate_limit_burst      = 1.5
    autoscaling_max_capacity  = 1
    autoscaling_cpu_target    = 95
    waf_rate_limit            = 5
    waf_rate_window_seconds   = 30
    domain_name               = "https://api.example.com"
    app_version               = "-1"
    container_secrets         = { db_password = "hunter2" }
    repository                = "not a repo"
    permissions_boundary_arn  = "hello-service-permissions-boundary"
  }

  expect_failures = [
    var.image_tag,
    var.aws_region,
    var.name,
    var.environment,
    var.vpc_id,
    var.cpu_architecture,
    var.task_cpu,
    var.log_level,
    var.log_retention_days,
    var.allowed_origins,
    var.app_rate_limit_per_minute,
    var.app_rate_limit_burst,
    var.autoscaling_max_capacity,
    var.autoscaling_cpu_target,
    var.waf_rate_limit,
    var.waf_rate_window_seconds,
    var.domain_name,
    var.app_version,
    var.container_secrets,
    var.repository,
    var.permissions_boundary_arn,
  ]
}

run "rejects_image_tag_with_bad_characters" {
  command = plan

  variables {
    image_tag = "feature/new thing"
  }

  expect_failures = [var.image_tag]
}

run "rejects_memory_that_does_not_fit_the_cpu" {
  command = plan

  variables {
    task_cpu    = 256
    task_memory = 4096
  }

  expect_failures = [var.task_memory]
}

run "rejects_https_and_subnet_combinations" {
  command = plan

  variables {
    certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    subnet_ids         = ["subnet-01111111111111111"]
    private_subnet_ids = ["subnet-03333333333333333", "subnet-04444444444444444"]
  }

  # certificate_arn without domain_name; one public subnet (and no vpc_id).
  expect_failures = [var.certificate_arn, var.subnet_ids]
}

run "rejects_private_subnets_without_public_ones" {
  command = plan

  variables {
    route53_zone_id    = "Z0123456789ABCDEFGHIJ"
    private_subnet_ids = ["subnet-03333333333333333", "subnet-04444444444444444"]
  }

  # A zone without domain_name; private subnets without the ALB's public subnets.
  expect_failures = [var.route53_zone_id, var.private_subnet_ids]
}

# An explicit boundary (a bootstrap with another project_name) is what every role carries.
run "an_explicit_permissions_boundary_wins" {
  command = plan

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/shared-boundary"
  }

  assert {
    condition = alltrue([
      for role in [aws_iam_role.task_execution, aws_iam_role.task] :
      role.permissions_boundary == "arn:aws:iam::123456789012:policy/shared-boundary"
    ])
    error_message = "permissions_boundary_arn, when set, must be the boundary of every role."
  }
}

run "rejects_a_default_vpc_with_one_subnet" {
  command = plan

  # One default subnet left after the Fargate AZ filter.
  override_data {
    target = data.aws_subnets.default[0]
    values = { ids = ["subnet-0aaaaaaaaaaaaaaaa"] }
  }

  expect_failures = [aws_lb.this]
}

run "rejects_a_rollback_window_without_an_image_to_roll_back_to" {
  command = plan

  variables {
    ecr_keep_tagged_images = 1
  }

  expect_failures = [var.ecr_keep_tagged_images]
}
