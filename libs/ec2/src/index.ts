/**
 * @driftwarden/ec2: the EC2 integration. `Ec2Remediation` reverts security group drift through
 * the EC2 API (fenced writes, idempotent, verified); `createEc2ClientProvider` builds its
 * clients; `sandbox` is the in-process EC2 endpoint the demo uses as its "sandbox AWS account".
 */
export {
  Ec2Remediation,
  EC2_REMEDIATION_OPERATIONS,
  EC2_WRITE_OPERATIONS,
  AFTER_STATE_SOURCE,
  SECURITY_GROUP_TYPE,
  type Ec2RemediationOperation,
  type Ec2RemediationOptions,
} from './remediation/ec2-remediation.adapter';
export {
  assumedRoleCredentialsFor,
  createEc2Client,
  createEc2ClientProvider,
  roleArnFor,
  type AssumeRoleOptions,
  type CredentialsFor,
  EC2_DEFAULT_CONNECTION_TIMEOUT_MS,
  EC2_DEFAULT_REQUEST_TIMEOUT_MS,
  type Ec2ClientOptions,
  type Ec2ClientProvider,
} from './ec2-clients.factory';
export { Ec2PermanentError, Ec2TransientError, ec2ErrorCode, mapEc2Error, type Ec2ErrorContext } from './ec2.errors';
export * as sandbox from './sandbox';
