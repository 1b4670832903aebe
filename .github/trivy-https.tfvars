# Variables for the config scans in ci.yml (Trivy and Checkov): the production shape, with HTTPS on, so the scans check
# the TLS policy and the port-80 redirect. Without a certificate the ALB serves plain HTTP (the seed's behaviour, stated
# in the https_status output); that mode is a documented choice, not something to suppress in the scanner.
domain_name     = "service.example.com"
certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
image_tag       = "0123456789abcdef0123456789abcdef01234567"
