# The driftwarden controller's IAM role: exactly the API calls it makes, nothing else.
#
#   ingest      sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility,
#               sqs:GetQueueAttributes                      on the intake queue
#   oversized   config:BatchGetResourceConfig               (no resource-level permissions)
#               s3:GetObject                                on Config's OversizedChangeNotification keys
#   desired     s3:GetObject                                on the Terraform state objects
#               (conditional GET with If-None-Match needs no s3:ListBucket; without it a
#               missing key answers 403 instead of 404)
#   kinds       every resource kind's reads and writes, and cloudtrail:LookupEvents
#               (modules/kind-permissions: the one list, shared with remediator-role)
#   cross-acct  sts:AssumeRole                              on var.remediation_role_arns only
#               (config aws.assumeRole: the role driftwarden assumes in each other account)
#   reconcile   config:BatchGetAggregateResourceConfig      on var.config_aggregator_arns only
#               (config reconcile.aggregator: the sweep reads live configuration from Config's aggregator)
#
# No wildcard actions; nothing that creates or deletes a resource.

locals {
  oversized_item_arns = [
    for r in var.regions :
    "arn:${var.partition}:s3:::${var.config_bucket_name}/${var.config_bucket_key_prefix}AWSLogs/${var.account_id}/Config/${r}/*/OversizedChangeNotification/*"
  ]

  terraform_state_arns = [for o in var.terraform_state_objects : "arn:${var.partition}:s3:::${o.bucket}/${o.key}"]
}

module "kind_permissions" {
  source = "../kind-permissions"

  account_id              = var.account_id
  regions                 = var.regions
  partition               = var.partition
  ec2_write_required_tags = var.ec2_write_required_tags
}

data "aws_iam_policy_document" "controller" {
  # The resource kinds' calls (kind-permissions: the same list as the role in other accounts).
  source_policy_documents = [module.kind_permissions.json]

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
