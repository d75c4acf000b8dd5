# Invoices never leave the account: every public access path is blocked.
resource "aws_s3_bucket_public_access_block" "invoices" {
  bucket = "acme-invoices"

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
