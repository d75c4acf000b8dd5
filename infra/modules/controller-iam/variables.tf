variable "role_name" {
  description = "Name of the controller's IAM role. Its sessions are arn:aws:sts::<account>:assumed-role/<role_name>/<session>, which driftwarden.yaml `principals.self` must match (output principals_self)."
  type        = string
  default     = "driftwarden"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "role_path" {
  description = "IAM path of the role. It does not appear in assumed-role ARNs, so principals.self is unaffected."
  type        = string
  default     = "/"
}

variable "assume_role_policy" {
  description = "Trust policy (JSON) of the role, e.g. for EKS IRSA or Pod Identity. Null (default) trusts ECS tasks of this account in var.regions."
  type        = string
  default     = null
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

variable "account_id" {
  description = "Account the controller watches and remediates (security-group ARNs, Config delivery keys, trust conditions)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID."
  }
}

variable "regions" {
  description = "Regions the controller watches and remediates."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", r))])
    error_message = "regions must be a non-empty list of region names such as eu-west-1."
  }
}

variable "queue_arn" {
  description = "ARN of the intake queue (event-intake output queue_arn). The controller consumes only this queue."
  type        = string
}

variable "config_bucket_name" {
  description = "S3 bucket of the AWS Config delivery channel; oversized configuration items are read from it."
  type        = string
}

variable "config_bucket_key_prefix" {
  description = "S3 key prefix of the Config delivery channel, if one is set, ending with \"/\". Config writes under <prefix>AWSLogs/<account>/Config/<region>/<date>/OversizedChangeNotification/."
  type        = string
  default     = ""

  validation {
    condition     = var.config_bucket_key_prefix == "" || can(regex("^[^*?]*/$", var.config_bucket_key_prefix))
    error_message = "config_bucket_key_prefix must be empty or end with \"/\" (and hold no wildcards)."
  }
}

variable "terraform_state_objects" {
  description = "Terraform state objects the controller reads as desired state (driftwarden.yaml stacks[].state.s3): bucket and exact key. A workspace state lives at env:/<workspace>/<key>."
  type = list(object({
    bucket = string
    key    = string
  }))

  validation {
    condition     = length(var.terraform_state_objects) > 0
    error_message = "terraform_state_objects needs at least one {bucket, key}: the controller cannot decide without desired state."
  }
}

variable "config_aggregator_arns" {
  description = "AWS Config aggregators the reconciling sweep reads live configuration from (config reconcile.aggregator), e.g. arn:aws:config:eu-west-1:111122223333:config-aggregator/config-aggregator-abcd1234. Empty (default) grants none."
  type        = list(string)
  default     = []
}

variable "kms_key_arns" {
  description = "Customer managed KMS keys the controller must decrypt with, through SQS or S3 only: the intake queue's key, the Config bucket's key, state buckets' keys. Empty (default) grants no KMS access."
  type        = list(string)
  default     = []
}

variable "ec2_write_required_tags" {
  description = "If set, the controller may authorize and revoke rules only on security groups carrying all of these tags (aws:ResourceTag condition), e.g. { \"driftwarden:managed\" = \"true\" }."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}

variable "remediation_role_arns" {
  description = "Cross-account (driftwarden.yaml aws.assumeRole): the roles the controller may assume in the other accounts it remediates, e.g. [\"arn:aws:iam::444455556666:role/driftwarden-remediator\"]. Each needs the Describe/Authorize/Revoke security-group and cloudtrail:LookupEvents permissions of this role, and a trust policy for this role with an sts:ExternalId condition. Empty (default): no sts:AssumeRole."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.remediation_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "remediation_role_arns must be IAM role ARNs (no wildcards)."
  }
}
