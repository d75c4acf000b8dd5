variable "central_event_bus_arn" {
  description = "The central bus in the tooling account (org-intake-central output event_bus_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]+$", var.central_event_bus_arn))
    error_message = "central_event_bus_arn must be an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }
}

variable "region" {
  description = "The member region whose default bus the rules are on (AWS Config and CloudTrail publish there)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be a region name such as eu-west-1."
  }
}

variable "name" {
  description = "Prefix of the rule names (<name>-config-item-change, ...) and of the forwarding role (<name>-forwarder-<region>)."
  type        = string
  default     = "driftwarden-org"

  validation {
    # Rule names append up to 31 characters ("-config-rules-compliance-change"); EventBridge allows 64.
    condition     = can(regex("^[A-Za-z0-9_-]{1,32}$", var.name))
    error_message = "name must be 1-32 characters of letters, digits, '-' or '_'."
  }
}

variable "extra_resource_types" {
  description = "Config resource types to forward besides those of driftwarden's kinds (observed resources). org-intake-central must be given the same list."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.extra_resource_types : can(regex("^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$", t))])
    error_message = "extra_resource_types must be Config resource types such as \"AWS::RDS::DBInstance\"."
  }
}

variable "enable_compliance_rule" {
  description = "Forward \"Config Rules Compliance Change\" events."
  type        = bool
  default     = true
}

variable "enable_cloudtrail_rules" {
  description = "Forward the \"AWS API Call via CloudTrail\" events of every kind (attribution). Needs a trail logging management events in this region (an organization trail does)."
  type        = bool
  default     = true
}

variable "role_path" {
  description = "IAM path of the forwarding role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path must start and end with / (e.g. / or /driftwarden/)."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary of the forwarding role."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource this module creates."
  type        = map(string)
  default     = {}
}
