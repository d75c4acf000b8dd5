output "event_bus_arn" {
  description = "ARN of the central bus: org-intake-member's central_event_bus_arn in every member account and region."
  value       = aws_cloudwatch_event_bus.org.arn
}

output "event_bus_name" {
  description = "Name of the central bus."
  value       = aws_cloudwatch_event_bus.org.name
}

output "bus_policy_json" {
  description = "The bus's resource policy (PutEvents from the organization only)."
  value       = data.aws_iam_policy_document.bus.json
}

output "queue_url" {
  description = "URL of the intake queue: driftwarden.yaml `ingest.sqs.queueUrl`."
  value       = module.intake.queue_url
}

output "queue_arn" {
  description = "ARN of the intake queue: controller-iam `queue_arn`."
  value       = module.intake.queue_arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue. Alarm on its ApproximateNumberOfMessagesVisible."
  value       = module.intake.dead_letter_queue_url
}

output "rule_arns" {
  description = "ARNs of the rules on the central bus, by key."
  value       = module.intake.rule_arns
}

output "resource_types" {
  description = "The Config resource types delivered."
  value       = module.events.resource_types
}
