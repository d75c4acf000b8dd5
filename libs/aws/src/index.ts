/**
 * @driftwarden/aws: what every AWS integration shares — SDK v3 failures mapped onto the
 * domain's TransientError / PermanentError (throttling, timeouts, network, expired credentials,
 * access denied, not found), with the SDK error kept as `cause`.
 */
export { mapAwsError, classifyAwsError, type AwsErrorKind, type AwsService } from './aws.errors';
