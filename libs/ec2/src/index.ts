/**
 * @driftwarden/ec2: what every EC2-based kind shares. `createEc2ClientProvider` builds the EC2
 * clients (per account and region, cross-account through an assumed role); `mapEc2Error` maps
 * EC2 failures onto the domain's transient/permanent errors; `sandbox` is the in-process EC2
 * endpoint the demo uses as its "sandbox AWS account". The revert executors live with their
 * kinds (`Ec2Remediation` in @driftwarden/kinds/security-group).
 */
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
export {
  Ec2PermanentError,
  Ec2TransientError,
  ec2ErrorCode,
  ec2ErrorMessage,
  failureName,
  mapEc2Error,
  type Ec2ErrorContext,
  type Ec2PermanentCode,
} from './ec2.errors';
// Last: the sandbox loads the security-group kind, whose executor extends Ec2PermanentError and
// may be loaded from here (a cycle until the sandbox moves to the kind's stand-ins).
export * as sandbox from './sandbox';
