# The driftwarden controller's IAM role: exactly the API calls it makes, nothing else.
#
#   ingest      sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility,
#               sqs:GetQueueAttributes                      on the intake queue
#   oversized   config:BatchGetResourceConfig               (no resource-level permissions)
#               s3:GetObject                                on Config's OversizedChangeNotification keys
#   desired     s3:GetObject                                on the Terraform state objects
#               (conditional GET with If-None-Match needs no s3:ListBucket; without it a
#               missing key answers 403 instead of 404)
#   diff        ec2:DescribeSecurityGroups, ec2:DescribeSecurityGroupRules   (Describe* take "*")
#   remediate   ec2:Authorize/RevokeSecurityGroupIngress/Egress   on security groups only
#               ec2:Create/Replace/DeleteNetworkAclEntry         on network ACLs only (ec2:DescribeNetworkAcls: "*")
#               s3:Get/PutBucketPublicAccessBlock                on buckets of the account only (s3:ResourceAccount)
#   asg         autoscaling:DescribeAutoScalingGroups ("*"), autoscaling:UpdateAutoScalingGroup on groups only
#   instance    ec2:DescribeInstances, ec2:DescribeInstanceAttribute ("*"),
#               ec2:ModifyInstanceMetadataOptions, ec2:ModifyInstanceAttribute on instances (and groups)
#   attribution cloudtrail:LookupEvents                     (no resource-level permissions)
#   cross-acct  sts:AssumeRole                              on var.remediation_role_arns only
#               (config aws.assumeRole: the role driftwarden assumes in each other account)
#   reconcile   config:BatchGetAggregateResourceConfig      on var.config_aggregator_arns only
#               (config reconcile.aggregator: the sweep reads live configuration from Config's aggregator)
#
# No wildcard actions; nothing that creates or deletes a resource.

locals {
  ec2_security_group_arns = [for r in var.regions : "arn:${var.partition}:ec2:${r}:${var.account_id}:security-group/*"]
  ec2_network_acl_arns    = [for r in var.regions : "arn:${var.partition}:ec2:${r}:${var.account_id}:network-acl/*"]

  oversized_item_arns = [
    for r in var.regions :
    "arn:${var.partition}:s3:::${var.config_bucket_name}/${var.config_bucket_key_prefix}AWSLogs/${var.account_id}/Config/${r}/*/OversizedChangeNotification/*"
  ]

  terraform_state_arns = [for o in var.terraform_state_objects : "arn:${var.partition}:s3:::${o.bucket}/${o.key}"]
  # Kind instance: ModifyInstanceAttribute names the instance and, for Groups, the security groups.
  ec2_instance_arns = [for r in var.regions : "arn:${var.partition}:ec2:${r}:${var.account_id}:instance/*"]
  # Kind asg: autoScalingGroup:<uuid>:autoScalingGroupName/<name>.
  autoscaling_group_arns = [for r in var.regions : "arn:${var.partition}:autoscaling:${r}:${var.account_id}:autoScalingGroup:*:autoScalingGroupName/*"]
}

data "aws_iam_policy_document" "controller" {
  statement {
    sid    = "ConsumeIntakeQueue"
    effect = "Allow"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [var.queue_arn]
  }

  statement {
    sid       = "ReadConfigItems"
    effect    = "Allow"
    actions   = ["config:BatchGetResourceConfig"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadOversizedConfigItems"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = local.oversized_item_arns
  }

  statement {
    sid       = "ReadTerraformState"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = local.terraform_state_arns
  }

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

  dynamic "statement" {
    for_each = length(var.remediation_role_arns) > 0 ? ["cross-account"] : []
    content {
      sid       = "AssumeRemediationRoles"
      effect    = "Allow"
      actions   = ["sts:AssumeRole"]
      resources = var.remediation_role_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.config_aggregator_arns) > 0 ? ["aggregator"] : []
    content {
      sid       = "ReadConfigAggregator"
      effect    = "Allow"
      actions   = ["config:BatchGetAggregateResourceConfig"]
      resources = var.config_aggregator_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? ["kms"] : []
    content {
      sid       = "DecryptThroughSqsAndS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = var.kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values = concat(
          [for r in var.regions : "sqs.${r}.amazonaws.com"],
          [for r in var.regions : "s3.${r}.amazonaws.com"],
        )
      }
    }
  }
}

# Default trust: ECS tasks (task role) of this account, in the watched regions. The session
# name of a task role is the task ID, so the controller's own calls appear in CloudTrail as
# arn:aws:sts::<account>:assumed-role/<role_name>/<task-id>.
data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    sid     = "EcsTasksAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Confused-deputy protection recommended for ECS task roles.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [for r in var.regions : "arn:${var.partition}:ecs:${r}:${var.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "controller" {
  name                 = var.role_name
  path                 = var.role_path
  description          = "driftwarden controller: consumes Config/CloudTrail events, reads desired state, remediates security group rules"
  assume_role_policy   = var.assume_role_policy != null ? var.assume_role_policy : data.aws_iam_policy_document.ecs_tasks_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "controller" {
  name   = "driftwarden-controller"
  role   = aws_iam_role.controller.id
  policy = data.aws_iam_policy_document.controller.json
}
