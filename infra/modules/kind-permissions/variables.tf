variable "account_id" {
  description = "The account whose resources the statements name (ARNs, s3:ResourceAccount)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID."
  }
}

variable "regions" {
  description = "Regions of that account the controller remediates."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", r))])
    error_message = "regions must be a non-empty list of region names such as eu-west-1."
  }
}

variable "partition" {
  description = "AWS partition used in ARNs (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "ec2_write_required_tags" {
  description = "Tags a resource must carry to be changed by the EC2 writes (aws:ResourceTag conditions)."
  type        = map(string)
  default     = {}
}
