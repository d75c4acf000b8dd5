output "json" {
  description = "The policy document (JSON) with the resource kinds' statements, for source_policy_documents."
  value       = data.aws_iam_policy_document.kinds.json
}
