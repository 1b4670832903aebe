# Plan-level tests of HTTPS: a given certificate, an issued (DNS-validated) certificate, and the 80 -> 443 redirect.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  image_tag = "v1.2.3"
}

run "https_with_given_certificate" {
  command = plan

  variables {
    domain_name     = "api.example.com"
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].port == 443 && aws_lb_listener.https[0].protocol == "HTTPS"
    error_message = "With a certificate there must be one HTTPS listener on 443."
  }
  assert {
    # The provider accepts any string here, so this test is what keeps the policy strong.
    condition     = aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    error_message = "The HTTPS listener must use the TLS 1.3/1.2 post-quantum policy."
  }
  assert {
    condition     = aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:eu-west-1:123456789012:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    error_message = "The HTTPS listener must use the given certificate."
  }
  assert {
    condition     = aws_lb_listener.https[0].default_action[0].type == "forward"
    error_message = "The HTTPS listener must forward to the target group."
  }
  assert {
    condition = (
      length(aws_lb_listener.http.default_action) == 1 &&
      aws_lb_listener.http.default_action[0].type == "redirect" &&
      aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" &&
      aws_lb_listener.http.default_action[0].redirect[0].port == "443" &&
      aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301"
    )
    error_message = "With HTTPS on, port 80 must only redirect to HTTPS with 301."
  }
  assert {
    condition     = length(aws_acm_certificate.this) == 0 && length(aws_route53_record.service) == 0
    error_message = "A given certificate without a zone must not issue a certificate or create DNS records."
  }
  assert {
    condition     = output.service_url == "https://api.example.com" && output.https_enabled
    error_message = "service_url must be https://<domain_name> without a trailing slash."
  }
  assert {
    condition = (
      one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "FORCE_HTTPS"]) == "true" &&
      one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "PUBLIC_HOSTNAME"]) == "api.example.com" &&
      one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "APP_COMMIT"]) == "v1.2.3" &&
      length([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e if e.name == "APP_VERSION"]) == 0
    )
    error_message = "With HTTPS on the service must get FORCE_HTTPS=true and PUBLIC_HOSTNAME."
  }
}

run "https_with_issued_certificate" {
  command = plan

  variables {
    domain_name     = "api.example.com"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = aws_acm_certificate.this[0].domain_name == "api.example.com" && aws_acm_certificate.this[0].validation_method == "DNS"
    error_message = "A DNS-validated certificate must be requested for domain_name."
  }
  assert {
    condition     = length(aws_route53_record.certificate_validation) == 1 && aws_route53_record.certificate_validation["api.example.com"].records == toset(["_def.acm-validations.aws."])
    error_message = "One validation record per domain must be written to the zone."
  }
  assert {
    condition     = aws_route53_record.service[0].name == "api.example.com" && aws_route53_record.service[0].type == "A"
    error_message = "An alias record must point domain_name at the ALB."
  }
  assert {
    condition     = aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    error_message = "The listener must use the validated certificate."
  }
  assert {
    condition     = aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09" && aws_lb_listener.http.default_action[0].type == "redirect"
    error_message = "An issued certificate must also give the strong policy and the redirect."
  }
}

run "domain_without_zone_or_certificate_stays_http" {
  command = plan

  variables {
    domain_name = "api.example.com"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 0 && aws_lb_listener.http.default_action[0].type == "forward"
    error_message = "A domain alone cannot enable HTTPS."
  }
  assert {
    condition     = output.service_url == "http://api.example.com" && !output.https_enabled
    error_message = "service_url must be plain HTTP on the domain."
  }
}
