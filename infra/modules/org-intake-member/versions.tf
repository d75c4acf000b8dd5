terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.0: the per-resource `region` argument, so that one provider per account can serve
      # every region (for_each over regions).
      version = ">= 6.0"
    }
  }
}
