variable "name" {
  description = "Name of the replication group; also the prefix of the parameter group, subnet group, security group and secret (<name>/redis-url)."
  type        = string
  default     = "driftwarden"

  validation {
    # ElastiCache replication group ids: 1-40 characters, lower-case letters, digits and
    # hyphens, starting with a letter, no two consecutive hyphens, not ending with one.
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name)) && !strcontains(var.name, "--") && !endswith(var.name, "-")
    error_message = "name must be 1-40 lower-case letters, digits or hyphens, start with a letter, and have no \"--\" and no trailing hyphen."
  }
}

variable "vpc_id" {
  description = "VPC of the replication group (and of the controller that connects to it)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0abc1234."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the cache subnet group, in at least two Availability Zones (Multi-AZ places the replica in another AZ than the primary)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least two subnet ids (subnet-...), in different Availability Zones."
  }
}

variable "source_security_group_ids" {
  description = "Security groups admitted to Redis (tcp/6379 and nothing else), by a name of your choice, e.g. { controller = module.controller_service.security_group_id }. The keys must be known at plan time; the ids may be created in the same apply."
  type        = map(string)

  validation {
    condition     = length(var.source_security_group_ids) > 0 && alltrue([for id in values(var.source_security_group_ids) : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "source_security_group_ids must map at least one name to a security group id (sg-...): without one, nothing can connect."
  }
}

variable "auth_token" {
  description = "Redis AUTH token (password): 16-128 characters of letters, digits and !&#$^<>- (ElastiCache's rules). It is URL-encoded into the REDIS_URL secret. Terraform keeps it in its state: keep the state encrypted and access-controlled. Changing it later rotates it (ElastiCache's default ROTATE strategy: old and new token both work until the next change)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9!&#$^<>-]{16,128}$", var.auth_token))
    error_message = "auth_token must be 16-128 characters of letters, digits and !&#$^<>- (no /, \", @ or spaces)."
  }
}

variable "engine_version" {
  description = "Redis OSS engine version (major.minor). The module's parameter group is of family redis7."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a Redis 7 version such as 7.1 (the parameter group family is redis7)."
  }
}

variable "node_type" {
  description = "Cache node type. BullMQ's keys must fit in memory (noeviction: a full Redis refuses writes); alarm on DatabaseMemoryUsagePercentage. T1 and T2 nodes cannot fail over automatically with cluster mode disabled."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.node_type)) && !can(regex("^cache\\.t[12]\\.", var.node_type))
    error_message = "node_type must be a cache node type such as cache.t4g.small (not T1/T2: no automatic failover with cluster mode disabled)."
  }
}

variable "node_count" {
  description = "Nodes in the replication group: one primary and node_count - 1 replicas. At least 2 for Multi-AZ automatic failover."
  type        = number
  default     = 2

  validation {
    condition     = var.node_count >= 2 && var.node_count <= 6 && floor(var.node_count) == var.node_count
    error_message = "node_count must be an integer from 2 (primary and one replica, for automatic failover) to 6."
  }
}

variable "snapshot_retention_limit" {
  description = "Days ElastiCache keeps the daily automatic snapshots."
  type        = number
  default     = 7

  validation {
    condition     = var.snapshot_retention_limit >= 1 && var.snapshot_retention_limit <= 35 && floor(var.snapshot_retention_limit) == var.snapshot_retention_limit
    error_message = "snapshot_retention_limit must be an integer from 1 to 35 days (0 would turn snapshots off)."
  }
}

variable "snapshot_window" {
  description = "Daily UTC window in which the snapshot starts (hh24:mi-hh24:mi, at least 60 minutes; must not overlap maintenance_window)."
  type        = string
  default     = "03:00-04:00"

  validation {
    condition     = can(regex("^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$", var.snapshot_window))
    error_message = "snapshot_window must look like 03:00-04:00."
  }
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window (ddd:hh24:mi-ddd:hh24:mi, at least 60 minutes). Multi-AZ fails over to the replica while a node is patched."
  type        = string
  default     = "sun:04:30-sun:05:30"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:04:30-sun:05:30."
  }
}

variable "final_snapshot_identifier" {
  description = "Name of a final snapshot taken when the replication group is destroyed. Null (default): none (the controller rebuilds its state from GitHub and the incident providers, DESIGN.md §9)."
  type        = string
  default     = null
}

variable "apply_immediately" {
  description = "Apply modifications immediately instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for encryption at rest. Null (default): ElastiCache's service managed key. Encryption at rest is on either way."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "secret_kms_key_arn" {
  description = "Customer managed KMS key for the REDIS_URL secret. Null (default): the AWS managed key aws/secretsmanager. With a customer key, give it to controller-service secrets_kms_key_arns so the task execution role may decrypt."
  type        = string
  default     = null

  validation {
    condition     = var.secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.secret_kms_key_arn))
    error_message = "secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted REDIS_URL secret can be restored. Its name stays taken meanwhile, so re-creating the module with the same name fails until then; 0 deletes it at once."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or from 7 to 30."
  }
}

variable "tags" {
  description = "Tags for every resource this module creates."
  type        = map(string)
  default     = {}
}
