# Organization example: one controller in the tooling account serves every account and region
# it is given. Deploy order (one `terraform apply` does it in this order through references):
#
#   1. tooling account, controller region: the central bus and the controller's queue
#      (org-intake-central), the controller's role (controller-iam);
#   2. every account (tooling included): the remediator role (remediator-role), trusted by the
#      controller's role;
#   3. every account and region: the forwarding rules (org-intake-member), one module
#      instance per region with `for_each`.
#
# Accounts are provider aliases (Terraform cannot iterate over providers): add one alias and
# three module blocks per member account, or run this configuration once per account with a
# workspace each. Regions are `for_each`: hashicorp/aws >= 6.0 lets one provider manage every
# region through the resources' `region` argument. Teams that deploy per OU with CloudFormation
# StackSets use ../org-stackset instead for step 3.
#
# The controller itself (Redis, the ECS service) is deployed as in ../complete, with this
# example's queue instead of its event-intake module: `driftwarden_config` shows the
# driftwarden.yaml keys this deployment determines.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

variable "organization_id" {
  description = "The AWS Organizations ID (o-...): only its accounts may put events on the central bus."
  type        = string
}

variable "controller_region" {
  description = "Region of the controller, its queue and the central bus (tooling account)."
  type        = string
  default     = "eu-west-1"
}

variable "regions" {
  description = "Regions watched in every account (each gets forwarding rules)."
  type        = list(string)
  default     = ["eu-west-1", "us-east-1"]
}

variable "prod_account_id" {
  description = "A member account (add a provider alias and module blocks per account)."
  type        = string
}

variable "staging_account_id" {
  description = "Another member account."
  type        = string
}

variable "member_access_role_name" {
  description = "Role Terraform assumes in each member account (AWS Organizations creates OrganizationAccountAccessRole in accounts it creates)."
  type        = string
  default     = "OrganizationAccountAccessRole"
}

variable "external_id" {
  description = "External id the controller sends when it assumes a remediator role (driftwarden.yaml aws.assumeRole.externalId, as env:DRIFTWARDEN_EXTERNAL_ID)."
  type        = string
  sensitive   = true
}

variable "config_bucket_name" {
  description = "Bucket of the tooling account's AWS Config delivery channel (controller-iam)."
  type        = string
}

variable "terraform_state_objects" {
  description = "Terraform state objects the controller reads (one per stack in driftwarden.yaml)."
  type = list(object({
    bucket = string
    key    = string
  }))
}

# The tooling account.
provider "aws" {
  region = var.controller_region
}

provider "aws" {
  alias  = "prod"
  region = var.controller_region

  assume_role {
    role_arn = "arn:aws:iam::${var.prod_account_id}:role/${var.member_access_role_name}"
  }
}

provider "aws" {
  alias  = "staging"
  region = var.controller_region

  assume_role {
    role_arn = "arn:aws:iam::${var.staging_account_id}:role/${var.member_access_role_name}"
  }
}

data "aws_caller_identity" "tooling" {}

data "aws_partition" "current" {}

locals {
  tags = {
    "app"        = "driftwarden"
    "managed-by" = "terraform"
  }

  remediator_role_name = "driftwarden-remediator"
  account_ids          = [data.aws_caller_identity.tooling.account_id, var.prod_account_id, var.staging_account_id]
}

# ---------------------------------------------------------------------------------------
# 1. Tooling account: the central bus, the queue, the controller's role.
# ---------------------------------------------------------------------------------------

module "central" {
  source = "../../modules/org-intake-central"

  organization_id = var.organization_id
  tags            = local.tags
}

module "controller_iam" {
  source = "../../modules/controller-iam"

  role_name               = "driftwarden"
  partition               = data.aws_partition.current.partition
  account_id              = data.aws_caller_identity.tooling.account_id
  regions                 = var.regions
  queue_arn               = module.central.queue_arn
  config_bucket_name      = var.config_bucket_name
  terraform_state_objects = var.terraform_state_objects

  # Every account, this one included, is reached through its remediator role (aws.assumeRole).
  remediation_role_arns = [for id in local.account_ids : "arn:${data.aws_partition.current.partition}:iam::${id}:role/${local.remediator_role_name}"]

  tags = local.tags
}

# ---------------------------------------------------------------------------------------
# 2. Every account: the remediator role, trusted by the controller's role only.
# ---------------------------------------------------------------------------------------

module "remediator_tooling" {
  source = "../../modules/remediator-role"

  role_name           = local.remediator_role_name
  partition           = data.aws_partition.current.partition
  account_id          = data.aws_caller_identity.tooling.account_id
  regions             = var.regions
  controller_role_arn = module.controller_iam.role_arn
  external_id         = var.external_id
  tags                = local.tags
}

module "remediator_prod" {
  source    = "../../modules/remediator-role"
  providers = { aws = aws.prod }

  role_name           = local.remediator_role_name
  partition           = data.aws_partition.current.partition
  account_id          = var.prod_account_id
  regions             = var.regions
  controller_role_arn = module.controller_iam.role_arn
  external_id         = var.external_id
  tags                = local.tags
}

module "remediator_staging" {
  source    = "../../modules/remediator-role"
  providers = { aws = aws.staging }

  role_name           = local.remediator_role_name
  partition           = data.aws_partition.current.partition
  account_id          = var.staging_account_id
  regions             = var.regions
  controller_role_arn = module.controller_iam.role_arn
  external_id         = var.external_id
  tags                = local.tags
}

# ---------------------------------------------------------------------------------------
# 3. Every account and region: forward to the central bus (after its policy exists).
# ---------------------------------------------------------------------------------------

module "member_tooling" {
  source   = "../../modules/org-intake-member"
  for_each = toset(var.regions)

  region                = each.key
  central_event_bus_arn = module.central.event_bus_arn
  tags                  = local.tags

  depends_on = [module.central]
}

module "member_prod" {
  source    = "../../modules/org-intake-member"
  for_each  = toset(var.regions)
  providers = { aws = aws.prod }

  region                = each.key
  central_event_bus_arn = module.central.event_bus_arn
  tags                  = local.tags

  depends_on = [module.central]
}

module "member_staging" {
  source    = "../../modules/org-intake-member"
  for_each  = toset(var.regions)
  providers = { aws = aws.staging }

  region                = each.key
  central_event_bus_arn = module.central.event_bus_arn
  tags                  = local.tags

  depends_on = [module.central]
}

output "queue_url" {
  description = "The controller's queue: driftwarden.yaml ingest.sqs.queueUrl."
  value       = module.central.queue_url
}

output "event_bus_arn" {
  description = "The central bus every account forwards to."
  value       = module.central.event_bus_arn
}

output "controller_role_arn" {
  description = "The controller's role (the ECS task role, ../complete's controller-service task_role_arn)."
  value       = module.controller_iam.role_arn
}

output "dead_letter_queue_url" {
  description = "Watch this queue: events that could not be delivered or processed end up here."
  value       = module.central.dead_letter_queue_url
}

output "driftwarden_config" {
  description = "The driftwarden.yaml keys this deployment determines (add stacks[] per account and region, see infra/README.md)."
  value = yamlencode({
    ingest = {
      sqs = { queueUrl = module.central.queue_url }
    }
    aws = {
      assumeRole = {
        roleArn    = "arn:${data.aws_partition.current.partition}:iam::{account}:role/${local.remediator_role_name}"
        externalId = "env:DRIFTWARDEN_EXTERNAL_ID"
      }
    }
    principals = {
      self = [
        module.controller_iam.principals_self,
        module.remediator_tooling.principals_self,
        module.remediator_prod.principals_self,
        module.remediator_staging.principals_self,
      ]
    }
  })
}
