variable "extra_resource_types" {
  description = "AWS Config resource types to forward besides those of driftwarden's kinds: resources of these types that a stack manages are observed (their changes recorded, never reverted). The Config recorder must record them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.extra_resource_types : can(regex("^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$", t))])
    error_message = "extra_resource_types must be Config resource types such as \"AWS::RDS::DBInstance\"."
  }
}
