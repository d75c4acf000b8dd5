# Complete example: the event intake and the controller's IAM role in one account and
# region, wired together. `terraform init && terraform apply`, then copy the
# `driftwarden_config` output into driftwarden.yaml.

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

output "controller_role_arn" {
  description = "Give this role to the controller (ECS task definition taskRoleArn)."
  value       = module.controller_iam.role_arn
}

output "dead_letter_queue_url" {
  description = "Watch this queue: events that could not be delivered or processed end up here."
  value       = module.event_intake.dead_letter_queue_url
}

output "driftwarden_config" {
  description = "The driftwarden.yaml keys this deployment determines."
  value = yamlencode({
    ingest = {
      sqs = { queueUrl = module.event_intake.queue_url }
    }
    principals = {
      self = [module.controller_iam.principals_self]
    }
  })
}
