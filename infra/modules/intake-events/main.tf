# What driftwarden reads from AWS, in one place: each resource kind's AWS Config resource type
# and the CloudTrail calls that change it, and the EventBridge patterns built from them.
# No resources and no provider: event-intake, org-intake-member and org-intake-central read
# their patterns from here, so a member account forwards exactly what the central bus delivers.
#
# To support a new kind, add it to local.kinds (and, if it is a new service, to
# local.services); every module that uses this one follows.

locals {
  # The kinds driftwarden supports or is about to support (issue 13), each with:
  #   resource_type  the AWS Config type whose configuration items carry it
  #   service        the key in local.services whose CloudTrail calls change it
  #   api_calls      CloudTrail eventName values of those calls, for attribution. CloudTrail
  #                  names a call as it logs it, which is not always the SDK operation name:
  #                  S3's PutPublicAccessBlock is logged as PutBucketPublicAccessBlock.
  kinds = {
    # Rules change through Authorize/Revoke and also through ModifySecurityGroupRules
    # (CONTRACTS.md A8, libs/attribution SG_MUTATIONS).
    security_group = {
      resource_type = "AWS::EC2::SecurityGroup"
      service       = "ec2"
      api_calls = [
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "ModifySecurityGroupRules",
        "UpdateSecurityGroupRuleDescriptionsIngress",
        "UpdateSecurityGroupRuleDescriptionsEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
      ]
    }

    # Entries, and the subnet associations (observed only, never reverted).
    network_acl = {
      resource_type = "AWS::EC2::NetworkAcl"
      service       = "ec2"
      api_calls = [
        "CreateNetworkAclEntry",
        "ReplaceNetworkAclEntry",
        "DeleteNetworkAclEntry",
        "ReplaceNetworkAclAssociation",
        "CreateNetworkAcl",
        "DeleteNetworkAcl",
      ]
    }

    # The bucket's public access block (supplementaryConfiguration.PublicAccessBlockConfiguration).
    # The SDK's PutPublicAccessBlock/DeletePublicAccessBlock on a bucket are logged under these
    # names; the account-level block (PutAccountPublicAccessBlock) is no kind of driftwarden's.
    s3_bucket_public_access_block = {
      resource_type = "AWS::S3::Bucket"
      service       = "s3"
      api_calls = [
        "PutBucketPublicAccessBlock",
        "DeleteBucketPublicAccessBlock",
      ]
    }

    # min_size, max_size and desired_capacity, and every call that moves the desired capacity
    # as a side effect (detaching, terminating or putting an instance in standby with
    # ShouldDecrementDesiredCapacity, attaching, executing a scaling policy by hand).
    autoscaling_group_capacity = {
      resource_type = "AWS::AutoScaling::AutoScalingGroup"
      service       = "autoscaling"
      api_calls = [
        "UpdateAutoScalingGroup",
        "SetDesiredCapacity",
        "CreateAutoScalingGroup",
        "DeleteAutoScalingGroup",
        "TerminateInstanceInAutoScalingGroup",
        "DetachInstances",
        "AttachInstances",
        "EnterStandby",
        "ExitStandby",
        "ExecutePolicy",
      ]
    }

    # metadata_options (IMDSv2), disable_api_termination, disable_api_stop and the security
    # groups of the instance, also when they are changed on its network interface.
    instance_protection = {
      resource_type = "AWS::EC2::Instance"
      service       = "ec2"
      api_calls = [
        "ModifyInstanceMetadataOptions",
        "ModifyInstanceAttribute",
        "ModifyNetworkInterfaceAttribute",
      ]
    }
  }

  # Where each service's CloudTrail events come from: the EventBridge `source` and the
  # CloudTrail `eventSource`.
  services = {
    ec2 = {
      source       = "aws.ec2"
      event_source = "ec2.amazonaws.com"
    }
    s3 = {
      source       = "aws.s3"
      event_source = "s3.amazonaws.com"
    }
    autoscaling = {
      source       = "aws.autoscaling"
      event_source = "autoscaling.amazonaws.com"
    }
  }

  resource_types = distinct(concat([for k in local.kinds : k.resource_type], var.extra_resource_types))

  # CloudTrail calls by service, every kind's together.
  api_calls = {
    for name, s in local.services : name => {
      source       = s.source
      event_source = s.event_source
      event_names  = distinct(flatten([for k in local.kinds : k.api_calls if k.service == name]))
    }
  }

  # A full configuration item. `configurationItem.resourceType` cannot match an oversized
  # notification, which carries `configurationItemSummary` instead (CONTRACTS.md A1, A6).
  config_patterns = {
    config_item_change = {
      source        = ["aws.config"]
      "detail-type" = ["Config Configuration Item Change"]
      detail = {
        messageType = ["ConfigurationItemChangeNotification"]
        configurationItem = {
          resourceType = local.resource_types
        }
      }
    }

    # An item too large for an event (256 KB): a summary and the S3 location of the full item.
    config_item_oversized = {
      source        = ["aws.config"]
      "detail-type" = ["Config Configuration Item Change"]
      detail = {
        messageType = ["OversizedConfigurationItemChangeNotification"]
        configurationItemSummary = {
          resourceType = local.resource_types
        }
      }
    }

    config_rules_compliance_change = {
      source        = ["aws.config"]
      "detail-type" = ["Config Rules Compliance Change"]
      detail = {
        messageType  = ["ComplianceChangeNotification"]
        resourceType = local.resource_types
      }
    }
  }

  # Who made a change: one pattern per service. A failed call (any errorCode, including
  # DryRunOperation) changed nothing and is not sent.
  api_call_patterns = {
    for name, s in local.api_calls : "${name}_api_call" => {
      source        = [s.source]
      "detail-type" = ["AWS API Call via CloudTrail"]
      detail = {
        eventSource = [s.event_source]
        eventName   = s.event_names
        errorCode   = [{ exists = false }]
      }
    }
  }
}
