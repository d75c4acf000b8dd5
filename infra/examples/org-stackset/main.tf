# Organization example with CloudFormation StackSets, for teams that roll out per
# organizational unit: the central bus and queue in the tooling account (org-intake-central,
# Terraform as in ../org), and the forwarding rules and role of org-intake-member as a
# service-managed StackSet that CloudFormation deploys to every account of the given OUs in
# every given region, and to accounts that join those OUs later (auto-deployment).
#
# The template is generated here from intake-events: the same patterns, the same single list
# of CloudTrail calls as the Terraform modules, nothing copied by hand.
#
# Run it with credentials of the management account, or of a delegated administrator for
# StackSets (call_as = "DELEGATED_ADMIN"). Service-managed StackSets never deploy to the
# management account itself: if it has resources to watch, give it org-intake-member with
# Terraform. The remediator role per account stays modules/remediator-role (see ../org).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.0: aws_cloudformation_stack_set_instance takes the stack's region as
      # stack_set_instance_region.
      version = ">= 6.0"
    }
  }
}

variable "organization_id" {
  description = "The AWS Organizations ID (o-...)."
  type        = string
}

variable "controller_region" {
  description = "Region of the controller, its queue and the central bus."
  type        = string
  default     = "eu-west-1"
}

variable "regions" {
  description = "Regions watched in every account of the OUs."
  type        = list(string)
  default     = ["eu-west-1", "us-east-1"]
}

variable "organizational_unit_ids" {
  description = "OUs (ou-...) or the root (r-...) whose accounts forward their events."
  type        = list(string)
}

variable "call_as" {
  description = "SELF in the management account, DELEGATED_ADMIN in a delegated administrator account."
  type        = string
  default     = "SELF"
}

provider "aws" {
  region = var.controller_region
}

module "events" {
  source = "../../modules/intake-events"
}

module "central" {
  source = "../../modules/org-intake-central"

  organization_id = var.organization_id
}

locals {
  name = "driftwarden-org"

  # The rule ARNs, written out (the role cannot refer to the rules that refer to it).
  rule_arns = [for k, p in module.events.event_pattern_objects : { "Fn::Sub" = "arn:$${AWS::Partition}:events:$${AWS::Region}:$${AWS::AccountId}:rule/${local.name}-${replace(k, "_", "-")}" }]

  # One stack per account and region: org-intake-member in CloudFormation.
  member_template = {
    AWSTemplateFormatVersion = "2010-09-09"
    Description              = "driftwarden: forward AWS Config and CloudTrail events of this account and region to the central bus"
    Resources = merge(
      {
        ForwarderRole = {
          Type = "AWS::IAM::Role"
          Properties = {
            RoleName    = { "Fn::Sub" = "${local.name}-forwarder-$${AWS::Region}" }
            Description = "driftwarden: EventBridge forwards events to the central bus"
            AssumeRolePolicyDocument = {
              Version = "2012-10-17"
              Statement = [{
                Sid       = "EventBridgeRules"
                Effect    = "Allow"
                Principal = { Service = "events.amazonaws.com" }
                Action    = "sts:AssumeRole"
                Condition = { ArnEquals = { "aws:SourceArn" = local.rule_arns } }
              }]
            }
            Policies = [{
              PolicyName = "driftwarden-put-events"
              PolicyDocument = {
                Version = "2012-10-17"
                Statement = [{
                  Sid      = "PutEventsOnCentralBus"
                  Effect   = "Allow"
                  Action   = "events:PutEvents"
                  Resource = module.central.event_bus_arn
                }]
              }
            }]
          }
        }
      },
      {
        # CloudFormation logical ids are alphanumeric: Rule<key without _>.
        for k, p in module.events.event_pattern_objects : "Rule${replace(k, "_", "")}" => {
          Type = "AWS::Events::Rule"
          Properties = {
            Name         = "${local.name}-${replace(k, "_", "-")}"
            Description  = "driftwarden: forward ${replace(k, "_", " ")} events to the central bus"
            EventBusName = "default"
            State        = "ENABLED"
            EventPattern = p
            Targets = [{
              Id      = "driftwarden-central-bus"
              Arn     = module.central.event_bus_arn
              RoleArn = { "Fn::GetAtt" = ["ForwarderRole", "Arn"] }
            }]
          }
        }
      },
    )
  }
}

resource "aws_cloudformation_stack_set" "member" {
  name             = "driftwarden-org-intake"
  description      = "driftwarden: forward AWS Config and CloudTrail events to the central bus"
  permission_model = "SERVICE_MANAGED"
  call_as          = var.call_as
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = jsonencode(local.member_template)

  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }

  # The central bus must admit the organization before the first event is forwarded.
  depends_on = [module.central]
}

resource "aws_cloudformation_stack_set_instance" "member" {
  for_each = toset(var.regions)

  stack_set_name            = aws_cloudformation_stack_set.member.name
  stack_set_instance_region = each.key
  call_as                   = var.call_as

  deployment_targets {
    organizational_unit_ids = var.organizational_unit_ids
  }
}

output "queue_url" {
  description = "The controller's queue: driftwarden.yaml ingest.sqs.queueUrl."
  value       = module.central.queue_url
}

output "event_bus_arn" {
  description = "The central bus."
  value       = module.central.event_bus_arn
}

output "member_template" {
  description = "The StackSet's template (JSON)."
  value       = jsonencode(local.member_template)
}
