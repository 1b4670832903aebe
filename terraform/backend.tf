# Remote state in S3 (created by ../bootstrap), configured with `terraform init -backend-config=backend.hcl`.
terraform {
  backend "s3" {
    # bucket, key and region come from backend.hcl (see backend.hcl.example): partial configuration keeps
    # account-specific names out of the code. S3-native locking replaces the deprecated DynamoDB table (Terraform 1.11).
    use_lockfile = true
    encrypt      = true
  }
}
