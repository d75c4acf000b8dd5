output "role_arn" {
  description = "ARN of the role (one of controller-iam's remediation_role_arns)."
  value       = aws_iam_role.remediator.arn
}

output "principals_self" {
  description = "ARN glob of the controller's sessions in this account: add it to driftwarden.yaml `principals.self`."
  value       = "arn:${var.partition}:sts::${var.account_id}:assumed-role/${aws_iam_role.remediator.name}/*"
}

output "policy_json" {
  description = "The role's permissions policy document (attached inline)."
  value       = data.aws_iam_policy_document.remediator.json
}
