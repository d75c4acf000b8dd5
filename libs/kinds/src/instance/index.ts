/**
 * @driftwarden/kinds/instance: the EC2 instance protection kind (DESIGN §5): metadata options
 * (IMDSv2), termination and stop protection, security groups and the instance type, from the
 * Config item and the Terraform state (minus lifecycle.ignore_changes), protection and exposure
 * directions, attribution from ModifyInstanceMetadataOptions / ModifyInstanceAttribute, the revert
 * over the same calls (verified with DescribeInstances / DescribeInstanceAttribute) and the
 * in-place backport. A change that needs a stop is never reverted unattended.
 */
export * from './model';
export * from './instance.kind';
export * from './state';
export * from './executor';
export * from './backport';
export * from './registration';
