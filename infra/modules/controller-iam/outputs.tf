output "role_arn" {
  description = "ARN of the controller role (ECS task role, IRSA role, ...)."
  value       = aws_iam_role.controller.arn
}

output "role_name" {
  description = "Name of the controller role."
  value       = aws_iam_role.controller.name
}

output "principals_self" {
  description = "ARN glob of the controller's own sessions: driftwarden.yaml `principals.self` (changes it makes are audited, never treated as drift)."
  value       = "arn:${var.partition}:sts::${var.account_id}:assumed-role/${aws_iam_role.controller.name}/*"
}

output "policy_json" {
  description = "The controller's permissions policy document (attached inline to the role)."
  value       = data.aws_iam_policy_document.controller.json
}
