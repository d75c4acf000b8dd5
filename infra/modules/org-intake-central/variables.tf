variable "organization_id" {
  description = "The AWS Organizations ID (o-...): only principals of this organization may put events on the bus (aws:PrincipalOrgID)."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an AWS Organizations ID: \"o-\" and 10-32 lower-case letters or digits."
  }
}

variable "forwarder_role_arns" {
  description = "The roles of the organization that may put events (aws:PrincipalArn, ArnLike): org-intake-member's and the StackSet's forwarding roles by default. [] admits every principal of the organization."
  type        = list(string)
  default     = ["arn:aws:iam::*:role/driftwarden-org-forwarder-*"]

  validation {
    condition     = alltrue([for a in var.forwarder_role_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|\\*):role/.+$", a))])
    error_message = "forwarder_role_arns must be IAM role ARNs or ARN patterns (arn:aws:iam::*:role/<name-prefix>*)."
  }
}

variable "event_bus_name" {
  description = "Name of the central event bus; org-intake-member's central_event_bus_arn is this module's event_bus_arn output."
  type        = string
  default     = "driftwarden-org"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name)) && var.event_bus_name != "default"
    error_message = "event_bus_name must be 1-256 characters of letters, digits and ._- (a custom bus: not \"default\")."
  }
}

variable "name" {
  description = "Name of the controller's intake queue (driftwarden.yaml ingest.sqs.queueUrl); prefix of its DLQ and of the rules on the bus."
  type        = string
  default     = "driftwarden"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,33}$", var.name))
    error_message = "name must be 1-33 characters of letters, digits, '-' or '_'."
  }
}

variable "extra_resource_types" {
  description = "Config resource types to deliver besides those of driftwarden's kinds (observed resources). Give the members the same list."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.extra_resource_types : can(regex("^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$", t))])
    error_message = "extra_resource_types must be Config resource types such as \"AWS::RDS::DBInstance\"."
  }
}

variable "enable_compliance_rule" {
  description = "Deliver \"Config Rules Compliance Change\" events."
  type        = bool
  default     = true
}

variable "enable_cloudtrail_rules" {
  description = "Deliver the \"AWS API Call via CloudTrail\" events of every kind (attribution)."
  type        = bool
  default     = true
}

variable "visibility_timeout_seconds" {
  description = "Intake queue visibility timeout (event-intake)."
  type        = number
  default     = 120
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue (event-intake)."
  type        = number
  default     = 5
}

variable "message_retention_seconds" {
  description = "How long the intake queue keeps a message (event-intake)."
  type        = number
  default     = 345600 # 4 days
}

variable "dead_letter_retention_seconds" {
  description = "How long the dead-letter queue keeps a message (event-intake)."
  type        = number
  default     = 1209600 # 14 days
}

variable "kms_master_key_id" {
  description = "Customer managed KMS key for the queues (event-intake kms_master_key_id); null uses SSE-SQS."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource this module creates."
  type        = map(string)
  default     = {}
}
