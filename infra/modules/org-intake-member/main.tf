# The sending end of an organization's event intake, once per member account and region:
# rules on the region's default bus (where AWS Config and CloudTrail publish) that forward
# driftwarden's events to the central bus in the tooling account (org-intake-central).
#
# The patterns come from intake-events: the Config item changes (also oversized ones) and
# compliance changes of every kind's resource type, and the successful CloudTrail calls that
# change them (one rule per service). The central bus applies the same patterns again.
#
# Deploy it with a provider for the member account; each region is `var.region` (the
# provider's per-resource region, hashicorp/aws >= 6.0), so one provider per account serves
# every region with `for_each` (infra/examples/org).

module "events" {
  source = "../intake-events"

  extra_resource_types = var.extra_resource_types
}

locals {
  patterns = merge(
    { for k, p in module.events.config_event_patterns : k => p if var.enable_compliance_rule || k != "config_rules_compliance_change" },
    { for k, p in module.events.api_call_event_patterns : k => p if var.enable_cloudtrail_rules },
  )

  # IAM is global: one forwarding role per region, named after it.
  role_name = "${var.name}-forwarder-${var.region}"
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each = local.patterns

  region         = var.region
  name           = "${var.name}-${replace(each.key, "_", "-")}"
  description    = "driftwarden: forward ${replace(each.key, "_", " ")} events to the central bus"
  event_bus_name = "default"
  event_pattern  = each.value

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each = aws_cloudwatch_event_rule.forward

  region         = var.region
  rule           = each.value.name
  event_bus_name = "default"
  target_id      = "driftwarden-central-bus"
  arn            = var.central_event_bus_arn

  # Required for a bus in another account when its policy admits an organization.
  role_arn = aws_iam_role.forward.arn
}

# ---------------------------------------------------------------------------------------
# The role EventBridge assumes to put the events on the central bus: exactly events:PutEvents
# on that bus, assumable only by EventBridge for these rules.
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "EventBridgeRules"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    # Confused-deputy protection: only these rules (this account and region).
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in aws_cloudwatch_event_rule.forward : r.arn]
    }
  }
}

data "aws_iam_policy_document" "forward" {
  statement {
    sid       = "PutEventsOnCentralBus"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [var.central_event_bus_arn]
  }
}

resource "aws_iam_role" "forward" {
  name                 = local.role_name
  path                 = var.role_path
  description          = "driftwarden: EventBridge forwards ${var.region} events to the central bus"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "forward" {
  name   = "driftwarden-put-events"
  role   = aws_iam_role.forward.id
  policy = data.aws_iam_policy_document.forward.json
}
