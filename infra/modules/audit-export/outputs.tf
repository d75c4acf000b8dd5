output "bucket_name" {
  description = "Config audit.export.s3.bucket."
  value       = aws_s3_bucket.export.id
}

output "bucket_arn" {
  value = aws_s3_bucket.export.arn
}

output "controller_policy_json" {
  description = "IAM policy for the controller's role: PutObject/GetObject under the prefix, ListBucket on it; never delete."
  value       = data.aws_iam_policy_document.controller.json
}
