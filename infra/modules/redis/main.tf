# Redis for driftwarden (DESIGN.md §9): the BullMQ queues and the controllers' shared state.
# An ElastiCache Redis OSS replication group with cluster mode disabled (one primary, one or
# more replicas in other Availability Zones, automatic failover), encrypted at rest and in
# transit, with an AUTH token. The controller gets its REDIS_URL from the Secrets Manager
# secret this module writes: rediss://:<token>@<primary endpoint>:6379.
#
#   network     tcp/6379 from var.source_security_group_ids only; no egress rule
#   eviction    maxmemory-policy noeviction (below: BullMQ must never lose a key)
#   durability  Multi-AZ with automatic failover, daily snapshots kept
#               var.snapshot_retention_limit days

locals {
  port = 6379
}

# ElastiCache's default parameter group has maxmemory-policy volatile-lru: when memory runs
# out, Redis silently evicts keys that have a TTL, and BullMQ keeps job locks, rate limits and
# deduplication markers in such keys. An evicted key loses or duplicates work without any
# error. BullMQ requires noeviction, under which a full Redis refuses writes (an error the
# controller reports and retries) instead of dropping data: alarm on memory, never evict.
resource "aws_elasticache_parameter_group" "redis" {
  # The family is part of the name: a new family (engine upgrade) creates a new group before
  # the old one, still in use, is deleted.
  name        = "${var.name}-redis7"
  family      = "redis7"
  description = "driftwarden: maxmemory-policy noeviction (BullMQ must never lose a key)"

  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_elasticache_subnet_group" "redis" {
  name        = var.name
  description = "driftwarden Redis: private subnets"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

# Only the given security groups may connect, on 6379 only. No egress rule: Terraform removes
# the default allow-all egress of a new group; Redis only answers connections (security
# groups are stateful) and replication between the nodes is ElastiCache's own business.
resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "driftwarden Redis: tcp/${local.port} from the controller only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-redis" })
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  # Keyed by the caller's names, not by the ids: ids created in the same apply are unknown at
  # plan time and cannot be for_each keys.
  for_each = var.source_security_group_ids

  security_group_id            = aws_security_group.redis.id
  description                  = "Redis (TLS) from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = each.value
  tags                         = var.tags
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = var.name
  description          = "driftwarden: BullMQ queues and shared state"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = local.port

  # Cluster mode disabled (a redis7 parameter group without cluster-enabled, and
  # num_cache_clusters rather than node groups): one primary endpoint, as ioredis and BullMQ
  # expect from a REDIS_URL.
  parameter_group_name = aws_elasticache_parameter_group.redis.name
  num_cache_clusters   = var.node_count

  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  # TLS is required from creation (no plaintext port); AUTH needs it. A later auth_token
  # change uses ElastiCache's default ROTATE strategy (auth_token_update_strategy is not set:
  # it needs a newer provider than this module's hashicorp/aws >= 5.0).
  transit_encryption_enabled = true
  auth_token                 = var.auth_token

  snapshot_retention_limit   = var.snapshot_retention_limit
  snapshot_window            = var.snapshot_window
  maintenance_window         = var.maintenance_window
  final_snapshot_identifier  = var.final_snapshot_identifier
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  tags = var.tags
}

# REDIS_URL for the controller (rediss://: TLS, as ioredis understands it). The token is
# URL-encoded: ioredis decodes the password of the URL.
resource "aws_secretsmanager_secret" "redis_url" {
  name                    = "${var.name}/redis-url"
  description             = "driftwarden: REDIS_URL (rediss://:<auth token>@<primary endpoint>:${local.port})"
  kms_key_id              = var.secret_kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${urlencode(var.auth_token)}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:${aws_elasticache_replication_group.redis.port}"
}
