export * from './aws-events';
export * from './terraform-state';
export * from './sandbox-world';
export * from './autoscaling-sandbox.server';
export * from './kinds-state';
export * from './kind-events';
export * from './asg-account';
export * from './instance-account';
