# The bucket of the durable audit export (README "Durable export"): versioned, private, encrypted,
# TLS only, and with object_lock set write-once (S3 Object Lock default retention).

resource "aws_s3_bucket" "export" {
  bucket              = var.bucket_name
  object_lock_enabled = var.object_lock != null
  tags                = var.tags
}

# Object Lock needs versioning; a versioned bucket also keeps an overwritten object's first version.
resource "aws_s3_bucket_versioning" "export" {
  bucket = aws_s3_bucket.export.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_object_lock_configuration" "export" {
  count  = var.object_lock == null ? 0 : 1
  bucket = aws_s3_bucket.export.id
  rule {
    default_retention {
      mode = var.object_lock.mode
      days = var.object_lock.days
    }
  }
  depends_on = [aws_s3_bucket_versioning.export]
}

resource "aws_s3_bucket_public_access_block" "export" {
  bucket                  = aws_s3_bucket.export.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "export" {
  bucket = aws_s3_bucket.export.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.export.arn,
      "${aws_s3_bucket.export.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "export" {
  bucket = aws_s3_bucket.export.id
  policy = data.aws_iam_policy_document.bucket.json
}

# What the controller's role needs: write and read back objects under the prefix, list the prefix.
# No delete: the controller never removes an export object.
data "aws_iam_policy_document" "controller" {
  statement {
    sid       = "AuditExportObjects"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${aws_s3_bucket.export.arn}/${var.prefix}*"]
  }
  statement {
    sid       = "AuditExportList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.export.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefix}*"]
    }
  }
}
