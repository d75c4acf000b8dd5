output "kinds" {
  description = "Each kind driftwarden supports: its Config resource type, service and CloudTrail calls."
  value       = local.kinds
}

output "resource_types" {
  description = "The Config resource types forwarded: every kind's, then extra_resource_types."
  value       = local.resource_types
}

output "api_calls" {
  description = "CloudTrail calls forwarded for attribution, by service: { source, event_source, event_names }."
  value       = local.api_calls
}

output "config_event_patterns" {
  description = "EventBridge patterns (JSON) for Config item changes, oversized items and rule compliance changes, by rule key."
  value       = { for k, p in local.config_patterns : k => jsonencode(p) }
}

output "api_call_event_patterns" {
  description = "EventBridge patterns (JSON) for the CloudTrail calls, one per service (<service>_api_call)."
  value       = { for k, p in local.api_call_patterns : k => jsonencode(p) }
}

output "event_patterns" {
  description = "Every pattern above, by rule key."
  value       = merge({ for k, p in local.config_patterns : k => jsonencode(p) }, { for k, p in local.api_call_patterns : k => jsonencode(p) })
}

output "event_pattern_objects" {
  description = "The same patterns as objects (for a CloudFormation template's EventPattern)."
  value       = merge(local.config_patterns, local.api_call_patterns)
}
