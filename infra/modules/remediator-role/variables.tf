variable "account_id" {
  description = "This account (the one whose security groups the role may change)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID."
  }
}

variable "regions" {
  description = "Regions of this account the controller remediates."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", r))])
    error_message = "regions must be a non-empty list of region names such as eu-west-1."
  }
}

variable "controller_role_arn" {
  description = "The controller's role (controller-iam output role_arn), the only principal that may assume this role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.controller_role_arn))
    error_message = "controller_role_arn must be an IAM role ARN."
  }
}

variable "external_id" {
  description = "The external id the controller sends (driftwarden.yaml aws.assumeRole.externalId)."
  type        = string
  sensitive   = true

  validation {
    # The length apart: RE2 (Terraform's regex) refuses a repeat count over 1000, so {2,1224} failed every value.
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "role_name" {
  description = "Name of the role: driftwarden.yaml aws.assumeRole.roleArn is arn:aws:iam::{account}:role/<role_name>, and its sessions (output principals_self) belong in principals.self."
  type        = string
  default     = "driftwarden-remediator"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "role_path" {
  description = "IAM path of the role (not part of assumed-role ARNs; the roleArn in driftwarden.yaml must include it)."
  type        = string
  default     = "/"
}

variable "max_session_duration" {
  description = "Longest session in seconds; aws.assumeRole.durationSeconds must not exceed it."
  type        = number
  default     = 3600
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the role."
  type        = string
  default     = null
}

variable "partition" {
  description = "AWS partition used in ARNs (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "ec2_write_required_tags" {
  description = "Tags a security group must carry to be changed (aws:ResourceTag conditions on the EC2 writes)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags of the role."
  type        = map(string)
  default     = {}
}
