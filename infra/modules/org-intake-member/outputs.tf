output "rule_arns" {
  description = "ARNs of the forwarding rules, by key (config_item_change, config_item_oversized, config_rules_compliance_change, ec2_api_call, s3_api_call, autoscaling_api_call)."
  value       = { for k, r in aws_cloudwatch_event_rule.forward : k => r.arn }
}

output "role_arn" {
  description = "ARN of the role EventBridge assumes to put events on the central bus."
  value       = aws_iam_role.forward.arn
}

output "policy_json" {
  description = "The forwarding role's permissions (events:PutEvents on the central bus only)."
  value       = data.aws_iam_policy_document.forward.json
}

output "trust_policy_json" {
  description = "The forwarding role's trust policy (EventBridge, for these rules only)."
  value       = data.aws_iam_policy_document.trust.json
}
