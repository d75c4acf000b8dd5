output "service_arn" {
  description = "ARN of the ECS service."
  value       = aws_ecs_service.controller.id
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.controller.name
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition."
  value       = aws_ecs_task_definition.controller.arn
}

output "security_group_id" {
  description = "Security group of the tasks: add it to redis source_security_group_ids."
  value       = aws_security_group.controller.id
}

output "execution_role_arn" {
  description = "ARN of the task execution role (reads the secrets, writes the logs)."
  value       = aws_iam_role.execution.arn
}

output "execution_policy_json" {
  description = "The execution role's permissions policy document (attached inline)."
  value       = data.aws_iam_policy_document.execution.json
}

output "log_group_name" {
  description = "CloudWatch Logs group of the controller (JSON lines, one stream per task)."
  value       = aws_cloudwatch_log_group.controller.name
}

output "container_name" {
  description = "Name of the container (a load balancer target group's container)."
  value       = local.container_name
}

output "container_port" {
  description = "Port of the API, the webhooks and the health endpoints (/healthz, /readyz)."
  value       = local.container_port
}
