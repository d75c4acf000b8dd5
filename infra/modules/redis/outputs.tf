output "redis_url_secret_arn" {
  description = "ARN of the Secrets Manager secret holding REDIS_URL (rediss://:<token>@<primary endpoint>:6379): controller-service redis_url_secret_arn."
  # The version's arn is the secret's ARN; taking it from the version makes whoever uses the
  # output (the ECS service) wait until the secret has its value, after Redis exists.
  value = aws_secretsmanager_secret_version.redis_url.arn
}

output "primary_endpoint_address" {
  description = "DNS name of the primary endpoint (follows a failover to the promoted replica)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "reader_endpoint_address" {
  description = "DNS name of the reader endpoint (the controller does not use it: BullMQ needs the primary)."
  value       = aws_elasticache_replication_group.redis.reader_endpoint_address
}

output "port" {
  description = "Redis port (TLS only)."
  value       = aws_elasticache_replication_group.redis.port
}

output "security_group_id" {
  description = "Security group of the replication group: controller-service redis_security_group_id (its egress to Redis)."
  value       = aws_security_group.redis.id
}

output "replication_group_id" {
  description = "Id of the replication group (CloudWatch metrics: DatabaseMemoryUsagePercentage, Evictions, ReplicationLag)."
  value       = aws_elasticache_replication_group.redis.id
}

output "parameter_group_name" {
  description = "Name of the parameter group (maxmemory-policy noeviction)."
  value       = aws_elasticache_parameter_group.redis.name
}
