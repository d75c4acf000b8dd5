/**
 * The EC2 sandbox (the demo's "sandbox AWS account"): a real HTTP server speaking the EC2 Query
 * protocol over in-memory security groups. The testing entry point `@driftwarden/ec2/testing` (never the product entry).
 */
export {
  Ec2Sandbox,
  SANDBOX_ACTIONS,
  SANDBOX_WRITE_ACTIONS,
  statusForCode,
  type Ec2SandboxOptions,
  type SandboxCall,
  type SandboxChangeListener,
  type SandboxFailure,
} from './ec2-sandbox.server';
export type { SandboxChange, SandboxGroupSpec, SandboxTag } from './ec2-sandbox.state';
export type { AssumableRole, AssumedSession } from './sts-assume-role';
export { Ec2ApiError } from './ec2-sandbox.errors';
export type { SandboxAclChange, SandboxAclSpec } from './ec2-sandbox.nacl';
export { EC2_XML_NAMESPACE } from './ec2-xml';
export type { Ec2SandboxAction } from './ec2-query';
export {
  INSTANCE_ACTIONS,
  INSTANCE_WRITE_ACTIONS,
  SandboxInstances,
  type InstanceAction,
  type InstanceChangeListener,
  type SandboxInstanceChange,
  type SandboxInstanceSpec,
} from './ec2-sandbox.instances';
