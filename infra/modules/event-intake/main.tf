# Event intake for driftwarden: EventBridge rules on the default bus -> one SQS queue
# (long-polled by the controller, `ingest.sqs.queueUrl`) with a dead-letter queue.
#
# AWS Config and CloudTrail publish only to the default event bus, in the region where the
# change happened: deploy this module once per region the controller watches, or forward
# every account and region to one bus (org-intake-member -> org-intake-central, which puts
# this module's rules on that bus with `event_bus_name`).

# The kinds, their Config types and CloudTrail calls, in one place.
module "events" {
  source = "../intake-events"
}

locals {
  # CloudTrail eventName values that change a security group's rules, or the group itself
  # (CONTRACTS.md A8). Rules also change through ModifySecurityGroupRules: without it a
  # change made that way would have no principal.
  security_group_api_calls = module.events.kinds.security_group.api_calls

  # Every rule that targets the queue, by a stable key (also the `rule_arns` output keys).
  rules = merge(
    {
      config_item_change    = aws_cloudwatch_event_rule.config_item_change
      config_item_oversized = aws_cloudwatch_event_rule.config_item_oversized
    },
    { for r in aws_cloudwatch_event_rule.config_rules_compliance_change : "config_rules_compliance_change" => r },
    { for r in aws_cloudwatch_event_rule.security_group_api_call : "security_group_api_call" => r },
    { for k, r in aws_cloudwatch_event_rule.additional : k => r },
  )
}

# ---------------------------------------------------------------------------------------
# Queues
# ---------------------------------------------------------------------------------------

resource "aws_sqs_queue" "dead_letter" {
  name                              = "${var.name}-dlq"
  message_retention_seconds         = var.dead_letter_retention_seconds
  sqs_managed_sse_enabled           = var.kms_master_key_id == null ? true : null
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = var.kms_master_key_id == null ? null : 300
  tags                              = var.tags
}

resource "aws_sqs_queue" "intake" {
  name                              = var.name
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  receive_wait_time_seconds         = 20 # long polling: the controller's ReceiveMessage waits up to 20 s
  message_retention_seconds         = var.message_retention_seconds
  sqs_managed_sse_enabled           = var.kms_master_key_id == null ? true : null
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = var.kms_master_key_id == null ? null : 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
}

# Only the intake queue may move messages into the dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.intake.arn]
  })
}

# ---------------------------------------------------------------------------------------
# EventBridge rules (var.event_bus_name, the default bus unless given). Each pattern is an HCL
# object passed to jsonencode.
# ---------------------------------------------------------------------------------------

# A full configuration item. `configurationItem.resourceType` cannot match an oversized
# notification, which carries `configurationItemSummary` instead (CONTRACTS.md A1, A6):
# that case has its own rule below.
resource "aws_cloudwatch_event_rule" "config_item_change" {
  name           = "${var.name}-config-item-change"
  description    = "driftwarden: AWS Config configuration item changes for ${join(", ", var.resource_types)}"
  event_bus_name = var.event_bus_name

  event_pattern = jsonencode({
    source        = ["aws.config"]
    "detail-type" = ["Config Configuration Item Change"]
    detail = {
      messageType = ["ConfigurationItemChangeNotification"]
      configurationItem = {
        resourceType = var.resource_types
      }
    }
  })

  tags = var.tags
}

# An item too large for an event (256 KB): only a summary and the S3 location of the full
# item arrive; the controller reads it with s3:GetObject or config:BatchGetResourceConfig.
resource "aws_cloudwatch_event_rule" "config_item_oversized" {
  name           = "${var.name}-config-item-oversized"
  description    = "driftwarden: oversized AWS Config configuration item changes for ${join(", ", var.resource_types)}"
  event_bus_name = var.event_bus_name

  event_pattern = jsonencode({
    source        = ["aws.config"]
    "detail-type" = ["Config Configuration Item Change"]
    detail = {
      messageType = ["OversizedConfigurationItemChangeNotification"]
      configurationItemSummary = {
        resourceType = var.resource_types
      }
    }
  })

  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "config_rules_compliance_change" {
  count = var.enable_compliance_rule ? 1 : 0

  name           = "${var.name}-config-rules-compliance-change"
  description    = "driftwarden: AWS Config rule compliance changes for ${join(", ", var.resource_types)}"
  event_bus_name = var.event_bus_name

  event_pattern = jsonencode({
    source        = ["aws.config"]
    "detail-type" = ["Config Rules Compliance Change"]
    detail = {
      messageType  = ["ComplianceChangeNotification"]
      resourceType = var.resource_types
    }
  })

  tags = var.tags
}

# Who made a change: Config items do not say (relatedEvents is empty since CI 1.3).
# Failed calls (any errorCode, including DryRunOperation) changed nothing and are not sent.
resource "aws_cloudwatch_event_rule" "security_group_api_call" {
  count = var.enable_cloudtrail_rule ? 1 : 0

  name           = "${var.name}-security-group-api-call"
  description    = "driftwarden: CloudTrail security-group API calls, for attribution"
  event_bus_name = var.event_bus_name

  event_pattern = jsonencode({
    source        = ["aws.ec2"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource = ["ec2.amazonaws.com"]
      eventName   = local.security_group_api_calls
      errorCode   = [{ exists = false }]
    }
  })

  tags = var.tags
}

# Further rules on the same bus (var.additional_rules: key => pattern JSON), e.g. the
# CloudTrail calls of every kind on an organization's central bus.
resource "aws_cloudwatch_event_rule" "additional" {
  for_each = var.additional_rules

  name           = "${var.name}-${replace(each.key, "_", "-")}"
  description    = "driftwarden: ${replace(each.key, "_", " ")}"
  event_bus_name = var.event_bus_name
  event_pattern  = each.value

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "intake" {
  for_each = local.rules

  rule           = each.value.name
  event_bus_name = var.event_bus_name
  target_id      = "driftwarden-intake"
  arn            = aws_sqs_queue.intake.arn

  # Events EventBridge could not deliver (after its own retries) land in the DLQ too,
  # with the rule ARN and error code as message attributes.
  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

# ---------------------------------------------------------------------------------------
# Queue policies: only these rules, through EventBridge, may send; TLS only.
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "intake_queue" {
  statement {
    sid       = "AllowDriftwardenRules"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.intake.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in local.rules : r.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.intake.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "intake" {
  queue_url = aws_sqs_queue.intake.id
  policy    = data.aws_iam_policy_document.intake_queue.json
}

# The rules' dead_letter_config: EventBridge writes undeliverable events here.
data "aws_iam_policy_document" "dead_letter_queue" {
  statement {
    sid       = "AllowDriftwardenRulesDeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in local.rules : r.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter_queue.json
}
