# Container registry: one immutable, scanned repository with a lifecycle policy.
resource "aws_ecr_repository" "this" {
  #checkov:skip=CKV_AWS_136:Images are encrypted at rest with AES-256 (AWS-owned key). KMS encryption costs a key per month plus a request per layer push and pull (https://aws.amazon.com/kms/pricing/), and changing it replaces the repository, images included.
  name = local.name
  # A tag, once pushed, always means the same image: deploys and rollbacks are reproducible.
  image_tag_mutability = "IMMUTABLE"
  # Refuse to delete a repository that still holds images.
  force_delete = false

  image_scanning_configuration {
    scan_on_push = true
  }

  # SSE-S3-style AES-256 with an AWS-owned key, stated rather than implied (a customer KMS key costs per request).
  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images 7 days after push"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      # The rollback window: `npm run deploy -- --image-tag <tag>` works for the ecr_keep_tagged_images most recently
      # pushed tags (30 by default: 30 deploys back). Older images are expired, and a revision that names one can no
      # longer start tasks.
      {
        rulePriority = 2
        description  = "Keep the ${var.ecr_keep_tagged_images} most recent tagged images"
        selection = {
          tagStatus      = "tagged"
          tagPatternList = ["*"]
          countType      = "imageCountMoreThan"
          countNumber    = var.ecr_keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  })
}
