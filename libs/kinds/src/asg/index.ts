/**
 * @driftwarden/kinds/asg: the Auto Scaling group capacity kind (DESIGN §5): min_size, max_size and
 * desired_capacity from the Config item and the Terraform state (minus lifecycle.ignore_changes),
 * capacity directions, attribution from the Auto Scaling calls, the revert over
 * UpdateAutoScalingGroup (verified with DescribeAutoScalingGroups) and the in-place backport.
 */
export * from './model';
export * from './asg.kind';
export * from './state';
export * from './executor';
export * from './backport';
export * from './registration';
