variable "bucket_name" {
  description = "Name of the S3 bucket the controller exports the audit log to (config audit.export.s3.bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens."
  }
}

variable "prefix" {
  description = "Key prefix the controller writes under (config audit.export.s3.prefix); its role may write only there."
  type        = string
  default     = "driftwarden/"
}

variable "object_lock" {
  description = "S3 Object Lock default retention: every export object is write-once for this many days (COMPLIANCE: nobody, root included, can delete or overwrite it before then; GOVERNANCE: only with s3:BypassGovernanceRetention). null: no Object Lock. Object Lock can only be enabled when the bucket is created."
  type = object({
    mode = string
    days = number
  })
  default = null

  validation {
    condition     = var.object_lock == null ? true : contains(["COMPLIANCE", "GOVERNANCE"], var.object_lock.mode)
    error_message = "object_lock.mode must be COMPLIANCE or GOVERNANCE (said explicitly: COMPLIANCE cannot be undone)."
  }

  validation {
    condition     = var.object_lock == null ? true : var.object_lock.days >= 1 && var.object_lock.days <= 36500
    error_message = "object_lock.days must be between 1 and 36500."
  }
}

variable "kms_key_arn" {
  description = "KMS key for server-side encryption (SSE-KMS); null: SSE-S3."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
