# The receiving end of an organization's event intake, in the tooling account (where the
# controller runs), in the controller's region: a custom event bus that every account of the
# organization may put events on, and rules on it that feed the controller's SQS queue.
#
#   member account/region (org-intake-member)        tooling account (this module)
#   default bus --rules--> events:PutEvents ------>  driftwarden-org bus --rules--> SQS queue
#
# The queue, its dead-letter queue, the rules and the queue policies are event-intake's, put
# on this bus. The patterns come from intake-events, the same as the members forward, so the
# queue receives exactly the supported events whatever else an account sends here.
# A forwarded event keeps its `account` and `region`: the controller serves each account and
# region its stacks name (driftwarden.yaml stacks[].accounts / regions).

module "events" {
  source = "../intake-events"

  extra_resource_types = var.extra_resource_types
}

resource "aws_cloudwatch_event_bus" "org" {
  name = var.event_bus_name
  tags = var.tags
}

# PutEvents from principals of the organization only, and of those only the forwarding roles
# of org-intake-member (var.forwarder_role_arns). Nothing else: no PutRule or PutTargets from
# other accounts.
data "aws_iam_policy_document" "bus" {
  statement {
    sid       = "OrganizationPutEvents"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.org.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.organization_id]
    }

    dynamic "condition" {
      for_each = length(var.forwarder_role_arns) > 0 ? [var.forwarder_role_arns] : []
      content {
        test     = "ArnLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }
}

resource "aws_cloudwatch_event_bus_policy" "org" {
  event_bus_name = aws_cloudwatch_event_bus.org.name
  policy         = data.aws_iam_policy_document.bus.json
}

module "intake" {
  source = "../event-intake"

  name           = var.name
  event_bus_name = aws_cloudwatch_event_bus.org.name
  resource_types = module.events.resource_types

  enable_compliance_rule = var.enable_compliance_rule

  # The CloudTrail calls of every kind, one rule per service, instead of event-intake's
  # security-group rule.
  enable_cloudtrail_rule = false
  additional_rules       = { for k, p in module.events.api_call_event_patterns : k => p if var.enable_cloudtrail_rules }

  visibility_timeout_seconds    = var.visibility_timeout_seconds
  max_receive_count             = var.max_receive_count
  message_retention_seconds     = var.message_retention_seconds
  dead_letter_retention_seconds = var.dead_letter_retention_seconds
  kms_master_key_id             = var.kms_master_key_id

  tags = var.tags
}
