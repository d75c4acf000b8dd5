# Complete example: driftwarden in one account and region, wired together: the event intake,
# the controller's IAM role, Redis and the controller itself on ECS Fargate.
#
# Write your driftwarden.yaml first (incidents, stacks, guardrails, github, api tokens; every
# secret as env:NAME, its value in Secrets Manager or SSM, listed in controller_secrets). This
# example sets redis.url, ingest.sqs.queueUrl and adds principals.self itself, and passes the
# result to the service as DRIFTWARDEN_CONFIG_YAML. The `driftwarden_config` output shows the
# keys this deployment determines.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "region" {
  description = "Region to deploy to and watch."
  type        = string
  default     = "eu-west-1"
}

variable "config_bucket_name" {
  description = "Bucket of the AWS Config delivery channel."
  type        = string
}

variable "terraform_state_objects" {
  description = "Terraform state objects driftwarden reads (one per stack in driftwarden.yaml)."
  type = list(object({
    bucket = string
    key    = string
  }))
}

variable "vpc_id" {
  description = "VPC of Redis and the controller tasks."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (at least two Availability Zones, with a NAT gateway or VPC endpoints) for Redis and the tasks."
  type        = list(string)
}

variable "controller_image" {
  description = "The controller's container image (built from the repository's Dockerfile), e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/driftwarden@sha256:..."
  type        = string
}

variable "ecr_repository_arns" {
  description = "ECR repositories the image is pulled from (empty if it is not in a private ECR repository)."
  type        = list(string)
  default     = []
}

variable "driftwarden_config_file" {
  description = "Path of your driftwarden.yaml (secrets as env:NAME references only)."
  type        = string
}

variable "controller_secrets" {
  description = "The secrets driftwarden.yaml refers to as env:NAME: NAME => Secrets Manager secret or SSM parameter ARN, e.g. PAGERDUTY_TOKEN, PAGERDUTY_WEBHOOK_SECRET, GITHUB_TOKEN, GITHUB_WEBHOOK_SECRET."
  type        = map(string)
  default     = {}
}

variable "redis_auth_token" {
  description = "Redis AUTH token (16-128 characters of letters, digits and !&#$^<>-). It ends up in the Terraform state and in the REDIS_URL secret."
  type        = string
  sensitive   = true
}

variable "load_balancer" {
  description = "Optional ALB for the API and the webhooks: target group (target_type ip, port 8080, health check /readyz) and its security group."
  type = object({
    target_group_arn  = string
    security_group_id = string
  })
  default = null
}

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  tags = {
    "app"        = "driftwarden"
    "managed-by" = "terraform"
  }

  # Your driftwarden.yaml, with what this deployment determines set in it.
  driftwarden_config_base = yamldecode(file(var.driftwarden_config_file))
  driftwarden_config_yaml = yamlencode(merge(local.driftwarden_config_base, {
    redis = merge(try(local.driftwarden_config_base.redis, {}), {
      url = "env:REDIS_URL" # injected from the redis module's secret
    })
    ingest = merge(try(local.driftwarden_config_base.ingest, {}), {
      sqs = { queueUrl = module.event_intake.queue_url }
      # The only bucket oversized items' S3 copies are read from (the IAM policy allows no other).
      configDeliveryBuckets = [var.config_bucket_name]
    })
    principals = merge(try(local.driftwarden_config_base.principals, {}), {
      self = distinct(concat(try(local.driftwarden_config_base.principals.self, []), [module.controller_iam.principals_self]))
    })
  }))
}

module "event_intake" {
  source = "../../modules/event-intake"

  name           = "driftwarden"
  resource_types = ["AWS::EC2::SecurityGroup"]
  tags           = local.tags
}

module "controller_iam" {
  source = "../../modules/controller-iam"

  role_name               = "driftwarden"
  partition               = data.aws_partition.current.partition
  account_id              = data.aws_caller_identity.current.account_id
  regions                 = [var.region]
  queue_arn               = module.event_intake.queue_arn
  config_bucket_name      = var.config_bucket_name
  terraform_state_objects = var.terraform_state_objects

  # Remediate only groups that opted in:
  # ec2_write_required_tags = { "driftwarden:managed" = "true" }

  tags = local.tags
}

module "redis" {
  source = "../../modules/redis"

  name       = "driftwarden"
  vpc_id     = var.vpc_id
  subnet_ids = var.private_subnet_ids
  auth_token = var.redis_auth_token

  # Only the controller's tasks may connect.
  source_security_group_ids = {
    controller = module.controller_service.security_group_id
  }

  tags = local.tags
}

resource "aws_ecs_cluster" "driftwarden" {
  name = "driftwarden"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

module "controller_service" {
  source = "../../modules/controller-service"

  name        = "driftwarden"
  account_id  = data.aws_caller_identity.current.account_id
  region      = var.region # one of controller_iam's regions: its role trusts ECS tasks there
  cluster_arn = aws_ecs_cluster.driftwarden.arn
  vpc_id      = var.vpc_id
  subnet_ids  = var.private_subnet_ids

  image               = var.controller_image
  ecr_repository_arns = var.ecr_repository_arns
  task_role_arn       = module.controller_iam.role_arn

  config_yaml          = local.driftwarden_config_yaml
  secrets              = var.controller_secrets
  redis_url_secret_arn = module.redis.redis_url_secret_arn

  redis_security_group_id = module.redis.security_group_id
  load_balancer           = var.load_balancer

  tags = local.tags
}

output "controller_role_arn" {
  description = "The controller's role (the service's task role)."
  value       = module.controller_iam.role_arn
}

output "controller_service_name" {
  description = "The controller's ECS service."
  value       = module.controller_service.service_name
}

output "controller_log_group" {
  description = "The controller's logs."
  value       = module.controller_service.log_group_name
}

output "redis_primary_endpoint" {
  description = "Redis primary endpoint (the controller reads the full URL from the REDIS_URL secret)."
  value       = module.redis.primary_endpoint_address
}

output "dead_letter_queue_url" {
  description = "Watch this queue: events that could not be delivered or processed end up here."
  value       = module.event_intake.dead_letter_queue_url
}

output "driftwarden_config" {
  description = "The driftwarden.yaml keys this deployment determines."
  value = yamlencode({
    ingest = {
      sqs                   = { queueUrl = module.event_intake.queue_url }
      configDeliveryBuckets = [var.config_bucket_name]
    }
    principals = {
      self = [module.controller_iam.principals_self]
    }
  })
}
