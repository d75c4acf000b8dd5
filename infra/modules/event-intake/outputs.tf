output "queue_url" {
  description = "URL of the intake queue: driftwarden.yaml `ingest.sqs.queueUrl`."
  value       = aws_sqs_queue.intake.id
}

output "queue_arn" {
  description = "ARN of the intake queue: controller-iam `queue_arn`."
  value       = aws_sqs_queue.intake.arn
}

output "queue_name" {
  description = "Name of the intake queue."
  value       = aws_sqs_queue.intake.name
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue (messages received max_receive_count times, and events EventBridge could not deliver)."
  value       = aws_sqs_queue.dead_letter.id
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue. Alarm on its ApproximateNumberOfMessagesVisible."
  value       = aws_sqs_queue.dead_letter.arn
}

output "rule_arns" {
  description = "ARNs of the EventBridge rules that target the queue, by key (config_item_change, config_item_oversized, config_rules_compliance_change, security_group_api_call, and the keys of additional_rules)."
  value       = { for k, r in local.rules : k => r.arn }
}

output "rule_names" {
  description = "Names of the EventBridge rules that target the queue, by key."
  value       = { for k, r in local.rules : k => r.name }
}

output "security_group_api_calls" {
  description = "CloudTrail eventName values forwarded for attribution."
  value       = local.security_group_api_calls
}
