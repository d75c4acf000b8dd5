variable "name" {
  description = "Name of the ECS service and task definition family; prefix of the execution role (<name>-execution), the security group (<name>-controller) and the log group (/ecs/<name>)."
  type        = string
  default     = "driftwarden"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,32}$", var.name))
    error_message = "name must be 1-32 letters, digits, '-' or '_'."
  }
}

variable "account_id" {
  description = "Account the service runs in (the execution role trusts ECS tasks of this account only)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID."
  }
}

variable "region" {
  description = "Region the service runs in (log delivery, KMS kms:ViaService conditions). Must be one of controller-iam's regions: the controller role trusts ECS tasks of those regions only."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be a region name such as eu-west-1."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster to run the service in."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)."
  }
}

variable "vpc_id" {
  description = "VPC of the service's security group."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0abc1234."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the tasks (no public IP is assigned: they need a NAT gateway or VPC endpoints to reach AWS, the incident providers and GitHub). Give subnets in at least two Availability Zones so the replicas are spread."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least one subnet id (subnet-...)."
  }
}

variable "image" {
  description = "Container image of the controller (the repository's Dockerfile), preferably pinned by digest: registry/driftwarden@sha256:..."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+$", var.image))
    error_message = "image must be an image reference without spaces."
  }
}

variable "cpu" {
  description = "Task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192, 16384). ECS rejects a cpu/memory pair Fargate does not offer."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate CPU value: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB (Fargate: 512-2048 for 256 CPU units, 1024-4096 for 512, 2048-8192 for 1024, ...)."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880 && floor(var.memory / 512) * 512 == var.memory
    error_message = "memory must be a multiple of 512 MiB between 512 and 122880."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks: X86_64 or ARM64 (Graviton). The image must have been built for it."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Number of controller tasks. Replicas share the work through Redis (DESIGN.md §9: scale out by running more replicas), so two keep the controller up while one is replaced."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 0 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a non-negative integer."
  }
}

variable "config_yaml" {
  description = "The whole driftwarden.yaml text, passed as DRIFTWARDEN_CONFIG_YAML. It is visible to anyone who may describe the task definition: every secret in it must be an env:NAME reference to one of var.secrets (or REDIS_URL), never a value."
  type        = string

  validation {
    # ECS limits a task definition to 64 KiB.
    condition     = trimspace(var.config_yaml) != "" && length(var.config_yaml) <= 49152 && can(yamldecode(var.config_yaml))
    error_message = "config_yaml must be non-empty YAML text of at most 48 KiB."
  }
}

variable "roles" {
  description = "DRIFTWARDEN_ROLES: what this service runs (api, worker, scheduler). Empty (default): all three."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.roles : contains(["api", "worker", "scheduler"], r)])
    error_message = "roles must be a list of api, worker and scheduler."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the controller."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["fatal", "error", "warn", "info", "debug", "trace", "silent"], var.log_level)
    error_message = "log_level must be one of fatal, error, warn, info, debug, trace, silent."
  }
}

variable "environment" {
  description = "Further plain environment variables (no secrets), e.g. { AWS_ENDPOINT_URL_SQS = \"...\" }. DRIFTWARDEN_CONFIG_YAML, DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, LOG_LEVEL, PORT and REDIS_URL are set by the module."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k in keys(var.environment) :
      can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k)) && !contains(["DRIFTWARDEN_CONFIG_YAML", "DRIFTWARDEN_CONFIG", "DRIFTWARDEN_ROLES", "LOG_LEVEL", "PORT", "REDIS_URL"], k)
    ])
    error_message = "environment keys must be variable names, and not DRIFTWARDEN_CONFIG_YAML, DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, LOG_LEVEL, PORT or REDIS_URL (the module sets them)."
  }
}

variable "secrets" {
  description = "Secret environment variables: name => ARN of a Secrets Manager secret (the whole secret string) or of an SSM SecureString parameter, e.g. { PAGERDUTY_TOKEN = \"arn:aws:secretsmanager:...:secret:driftwarden/pagerduty-AbCdEf\" }. driftwarden.yaml refers to them as env:NAME. ECS injects them at start; the execution role may read exactly these (and redis_url_secret_arn)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k, arn in var.secrets :
      can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k)) && !contains(["DRIFTWARDEN_CONFIG_YAML", "DRIFTWARDEN_CONFIG", "DRIFTWARDEN_ROLES", "LOG_LEVEL", "PORT", "REDIS_URL"], k)
    ])
    error_message = "secrets keys must be variable names, and not DRIFTWARDEN_CONFIG_YAML, DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, LOG_LEVEL, PORT or REDIS_URL (REDIS_URL comes from redis_url_secret_arn)."
  }

  validation {
    # Whole secrets only: a JSON-key selector (secret:name:key::) would need its own IAM
    # resource, and wildcards would widen the execution role.
    condition = alltrue([
      for arn in values(var.secrets) :
      can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", arn)) ||
      can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+$", arn))
    ])
    error_message = "secrets values must be full ARNs of Secrets Manager secrets (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>) or SSM parameters (arn:aws:ssm:<region>:<account>:parameter/<name>), without JSON keys or wildcards."
  }
}

variable "redis_url_secret_arn" {
  description = "ARN of the secret holding REDIS_URL (redis module output redis_url_secret_arn)."
  type        = string

  validation {
    condition = (
      can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", var.redis_url_secret_arn)) ||
      can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+$", var.redis_url_secret_arn))
    )
    error_message = "redis_url_secret_arn must be the full ARN of a Secrets Manager secret or an SSM parameter."
  }
}

variable "redis_security_group_id" {
  description = "Security group of Redis (redis module output security_group_id): the tasks' only egress besides HTTPS is tcp/6379 to it."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.redis_security_group_id))
    error_message = "redis_security_group_id must be a security group id (sg-...)."
  }
}

variable "task_role_arn" {
  description = "The controller's role (controller-iam output role_arn): the task role, whose credentials the controller's AWS SDK uses."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.task_role_arn))
    error_message = "task_role_arn must be an IAM role ARN."
  }
}

variable "https_egress_cidr_blocks" {
  description = "IPv4 ranges the tasks may reach on tcp/443: the AWS APIs (SQS, EC2, S3, Config, CloudTrail, STS, and at start ECR, Secrets Manager, CloudWatch Logs), PagerDuty, Opsgenie and GitHub. Default: anywhere (through the NAT gateway); narrow it to a proxy or your VPC endpoints' range if you have them."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.https_egress_cidr_blocks) > 0 && alltrue([for c in var.https_egress_cidr_blocks : can(cidrnetmask(c))])
    error_message = "https_egress_cidr_blocks must be a non-empty list of IPv4 CIDR blocks."
  }
}

variable "load_balancer" {
  description = "Optional Application Load Balancer in front of the API and the webhooks: its target group (target_type ip, port 8080, health check path /readyz) and its security group, the only source admitted on tcp/8080. Null (default): no load balancer, no ingress at all."
  type = object({
    target_group_arn  = string
    security_group_id = string
  })
  default = null
}

variable "health_check_grace_period_seconds" {
  description = "With a load balancer: seconds its failing health checks are ignored after a task starts."
  type        = number
  default     = 60
}

variable "container_user" {
  description = "User the container runs as. Default: uid:gid 1000:1000, the `node` user of the official Node.js images (the Dockerfile's USER). Root is refused."
  type        = string
  default     = "1000:1000"

  validation {
    condition     = !contains(["", "0", "root"], split(":", var.container_user)[0])
    error_message = "container_user must not be root (0)."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the controller's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "Customer managed KMS key for the log group. Its key policy must let logs.<region>.amazonaws.com use it (the execution role needs nothing for that). Null (default): CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN."
  }
}

variable "secrets_kms_key_arns" {
  description = "Customer managed KMS keys of the secrets and parameters (including the REDIS_URL secret's, redis secret_kms_key_arn): the execution role may decrypt with them, through Secrets Manager and SSM only. Empty (default): the secrets use AWS managed keys, no KMS permission is granted."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.secrets_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", k))])
    error_message = "secrets_kms_key_arns must be KMS key ARNs (no aliases, no wildcards)."
  }
}

variable "ecr_repository_arns" {
  description = "ECR repositories the image is pulled from: the execution role may pull from exactly these (plus ecr:GetAuthorizationToken, which has no resource-level permissions). Empty (default): the image is not in a private ECR repository, no ECR permission is granted."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[^*?]+$", r))])
    error_message = "ecr_repository_arns must be ECR repository ARNs without wildcards."
  }
}

variable "tags" {
  description = "Tags for every resource this module creates (propagated from the service to its tasks)."
  type        = map(string)
  default     = {}
}
