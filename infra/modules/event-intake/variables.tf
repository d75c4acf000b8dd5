variable "name" {
  description = "Name of the intake queue; also the prefix of the dead-letter queue and of the EventBridge rules."
  type        = string
  default     = "driftwarden"

  validation {
    # SQS queue names: 1-80 characters of alphanumerics, hyphens and underscores.
    # The DLQ adds "-dlq", rule names add up to "-config-rules-compliance-change" (31).
    condition     = can(regex("^[A-Za-z0-9_-]{1,33}$", var.name))
    error_message = "name must be 1-33 characters of letters, digits, '-' or '_' (rule names append up to 31 characters; EventBridge allows 64)."
  }
}

variable "resource_types" {
  description = "AWS Config resource types whose configuration-item and compliance changes are sent to the controller. The Config recorder must record them, or no event is ever emitted."
  type        = list(string)
  default     = ["AWS::EC2::SecurityGroup"]

  validation {
    condition     = length(var.resource_types) > 0 && alltrue([for t in var.resource_types : can(regex("^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$", t))])
    error_message = "resource_types must be a non-empty list of Config resource types such as \"AWS::EC2::SecurityGroup\"."
  }
}

variable "enable_compliance_rule" {
  description = "Also forward \"Config Rules Compliance Change\" events for resource_types."
  type        = bool
  default     = true
}

variable "enable_cloudtrail_rule" {
  description = "Forward \"AWS API Call via CloudTrail\" events for security-group API calls (used to attribute a change to a principal). Needs a CloudTrail trail that logs management events in this region."
  type        = bool
  default     = true
}

variable "event_bus_name" {
  description = "The bus the rules are on: \"default\" (where AWS Config and CloudTrail publish in this account and region), or a bus that receives them from other accounts and regions (org-intake-central)."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,256}$", var.event_bus_name))
    error_message = "event_bus_name must be an event bus name (1-256 characters of letters, digits and ._/-)."
  }
}

variable "additional_rules" {
  description = "Further rules on the same bus targeting the queue: key => event pattern (JSON). The rule is named <name>-<key with - for _>."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k in keys(var.additional_rules) :
      can(regex("^[a-z][a-z0-9_]{0,29}$", k)) && !contains(["config_item_change", "config_item_oversized", "config_rules_compliance_change", "security_group_api_call"], k)
    ])
    error_message = "additional_rules keys must be 1-30 characters of lower-case letters, digits and _, starting with a letter, and not the key of one of this module's own rules."
  }
}

variable "visibility_timeout_seconds" {
  description = "Intake queue visibility timeout. Must exceed the time the controller needs to turn one message into a job."
  type        = number
  default     = 120

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (12 hours)."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue (redrive policy maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be an integer between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "How long the intake queue keeps a message."
  type        = number
  default     = 345600 # 4 days

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "dead_letter_retention_seconds" {
  description = "How long the dead-letter queue keeps a message. SQS ages a moved message from its original enqueue time, so keep this longer than message_retention_seconds."
  type        = number
  default     = 1209600 # 14 days, the SQS maximum

  validation {
    condition     = var.dead_letter_retention_seconds >= 60 && var.dead_letter_retention_seconds <= 1209600
    error_message = "dead_letter_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "kms_master_key_id" {
  description = "Customer managed KMS key for both queues. Null (default) uses SSE-SQS. Do not use the AWS managed key alias/aws/sqs: EventBridge cannot encrypt with it. A customer key's policy must let events.amazonaws.com call kms:GenerateDataKey and kms:Decrypt, and the controller role needs kms:Decrypt (controller-iam kms_key_arns)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_master_key_id == null || try(!startswith(var.kms_master_key_id, "alias/aws/"), true)
    error_message = "kms_master_key_id cannot be an AWS managed key (alias/aws/...): EventBridge cannot publish to a queue encrypted with it."
  }
}

variable "tags" {
  description = "Tags for every resource this module creates."
  type        = map(string)
  default     = {}
}
