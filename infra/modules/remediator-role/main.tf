# The role driftwarden assumes in each other account it remediates (driftwarden.yaml
# `aws.assumeRole`): exactly the calls made there, nothing else.
#
#   kinds       every resource kind's reads and writes, and cloudtrail:LookupEvents
#               (modules/kind-permissions: the one list, shared with controller-iam)
#   oversized   config:BatchGetResourceConfig               (no resource-level permissions)
#
# Trust: only the controller's role (var.controller_role_arn), and only with the external id
# (sts:ExternalId), AWS's protection against the confused deputy.

module "kind_permissions" {
  source = "../kind-permissions"

  account_id              = var.account_id
  regions                 = var.regions
  partition               = var.partition
  ec2_write_required_tags = var.ec2_write_required_tags
}

data "aws_iam_policy_document" "remediator" {
  # The resource kinds' calls (kind-permissions: the same list as the controller's own role).
  source_policy_documents = [module.kind_permissions.json]

  statement {
    sid       = "FetchOversizedConfigItems"
    effect    = "Allow"
    actions   = ["config:BatchGetResourceConfig"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "DriftwardenController"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.controller_role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "remediator" {
  name                 = var.role_name
  path                 = var.role_path
  description          = "driftwarden: security-group remediation in this account, assumed by the controller"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "remediator" {
  name   = "driftwarden-remediator"
  role   = aws_iam_role.remediator.id
  policy = data.aws_iam_policy_document.remediator.json
}
