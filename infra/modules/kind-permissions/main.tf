# The calls driftwarden makes on the resources of one account for its resource kinds: read
# them, set them back to the Terraform state, and find who changed them. The one list of them:
# the controller's own role (controller-iam, its account) and the role it assumes in each
# other account (remediator-role) both merge this document into theirs.
#
#   diff        ec2:DescribeSecurityGroups, ec2:DescribeSecurityGroupRules   (Describe* take "*")
#   remediate   ec2:Authorize/RevokeSecurityGroupIngress/Egress   on security groups only
#               ec2:Create/Replace/DeleteNetworkAclEntry         on network ACLs only (ec2:DescribeNetworkAcls: "*")
#               s3:Get/PutBucketPublicAccessBlock                on buckets of the account only (s3:ResourceAccount)
#   asg         autoscaling:DescribeAutoScalingGroups ("*"), autoscaling:UpdateAutoScalingGroup on groups only
#   instance    ec2:DescribeInstances, ec2:DescribeInstanceAttribute ("*"),
#               ec2:ModifyInstanceMetadataOptions, ec2:ModifyInstanceAttribute on instances (and groups)
#   attribution cloudtrail:LookupEvents                     (no resource-level permissions)
#
# A new kind adds its statements here, and both roles have them.

locals {
  ec2_security_group_arns = [for r in var.regions : "arn:${var.partition}:ec2:${r}:${var.account_id}:security-group/*"]
  ec2_network_acl_arns    = [for r in var.regions : "arn:${var.partition}:ec2:${r}:${var.account_id}:network-acl/*"]
  # Kind instance: ModifyInstanceAttribute names the instance and, for Groups, the security groups.
  ec2_instance_arns = [for r in var.regions : "arn:${var.partition}:ec2:${r}:${var.account_id}:instance/*"]
  # Kind asg: autoScalingGroup:<uuid>:autoScalingGroupName/<name>.
  autoscaling_group_arns = [for r in var.regions : "arn:${var.partition}:autoscaling:${r}:${var.account_id}:autoScalingGroup:*:autoScalingGroupName/*"]
}

data "aws_iam_policy_document" "kinds" {
  statement {
    sid    = "DescribeSecurityGroups"
    effect = "Allow"
    actions = [
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSecurityGroupRules",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "RemediateSecurityGroupRules"
    effect = "Allow"
    actions = [
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupEgress",
    ]
    resources = local.ec2_security_group_arns

    dynamic "condition" {
      for_each = var.ec2_write_required_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  # Network ACL kind: entries only (never the ACL itself nor its subnet associations).
  statement {
    sid       = "DescribeNetworkAcls"
    effect    = "Allow"
    actions   = ["ec2:DescribeNetworkAcls"]
    resources = ["*"]
  }

  statement {
    sid    = "RemediateNetworkAclEntries"
    effect = "Allow"
    actions = [
      "ec2:CreateNetworkAclEntry",
      "ec2:ReplaceNetworkAclEntry",
      "ec2:DeleteNetworkAclEntry",
    ]
    resources = local.ec2_network_acl_arns

    dynamic "condition" {
      for_each = var.ec2_write_required_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  # S3 bucket kind: the bucket's public access block, on buckets owned by this account only
  # (a bucket ARN names no account: s3:ResourceAccount does).
  statement {
    sid    = "RemediateBucketPublicAccessBlock"
    effect = "Allow"
    actions = [
      "s3:GetBucketPublicAccessBlock",
      "s3:PutBucketPublicAccessBlock",
    ]
    resources = ["arn:${var.partition}:s3:::*"]

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [var.account_id]
    }
  }

  # Kind asg (Auto Scaling group capacity): read the capacity, set it back.
  statement {
    sid       = "DescribeAutoScalingGroups"
    effect    = "Allow"
    actions   = ["autoscaling:DescribeAutoScalingGroups"]
    resources = ["*"]
  }

  statement {
    sid       = "RemediateAutoScalingCapacity"
    effect    = "Allow"
    actions   = ["autoscaling:UpdateAutoScalingGroup"]
    resources = local.autoscaling_group_arns
  }

  # Kind instance (instance protection): read the metadata options, protection flags and groups; set them back.
  statement {
    sid    = "DescribeInstances"
    effect = "Allow"
    actions = [
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceAttribute",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "RemediateInstanceProtection"
    effect = "Allow"
    actions = [
      "ec2:ModifyInstanceMetadataOptions",
      "ec2:ModifyInstanceAttribute",
    ]
    resources = concat(local.ec2_instance_arns, local.ec2_security_group_arns)

    dynamic "condition" {
      for_each = var.ec2_write_required_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "LookupCloudTrailEvents"
    effect    = "Allow"
    actions   = ["cloudtrail:LookupEvents"]
    resources = ["*"]
  }
}
