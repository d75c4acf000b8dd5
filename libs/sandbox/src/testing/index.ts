export * from './aws-events';
export * from './terraform-state';
export * from './sandbox-world';
export * from './s3-sandbox.server';
export * from './kind-events';
