/**
 * @driftwarden/terraform-state: the desired state of Terraform-managed resources, streamed from
 * each stack's state file (format version 4; S3 backend or local file, cached by version) and
 * indexed by AWS id and arn → Terraform address, plus what each resource kind keeps of its types.
 */

// State file format
export {
  SUPPORTED_STATE_VERSION,
  parseTerraformState,
  type ParseStateOptions,
  type TerraformState,
  type TerraformStateInstance,
  type TerraformStateResource,
} from './state/terraform-state.schema';
export { hclQuote, instanceAddress, instanceKeySuffix, resourceAddress, type ResourceAddressParts } from './state/address';
export { DEFAULT_MAX_STATE_BYTES, DEFAULT_SLICE_MS, readStackStateIndex, type ReadStateOptions, type StateBody } from './state/read-state-stream';
export { TerraformStateFormatError, inStack, type TerraformStateFormatCode } from './terraform-state.errors';

// Index (pure): generic, with the resource kinds' parts plugged in
export type { AnyStateKind, ManagedInstanceRef, StateInstance, StateKind } from './index/state-kind';
export { SecurityGroupStateIndex, securityGroupStateKind } from './index/security-group-state';
export {
  DEFAULT_STATE_KINDS,
  StackStateIndex,
  StackStateIndexBuilder,
  TF_DEFAULT_SECURITY_GROUP,
  locationMatches,
  type LegacyRuleEntry,
  type SecurityGroupEntry,
  type StackStateSummary,
  type StateEntry,
  type StateLocation,
  type VpcRuleEntry,
} from './index/stack-state-index';
export {
  resolveSecurityGroup,
  type ManagedSecurityGroup,
  type SecurityGroupLookup,
  type SecurityGroupStyle,
  type UnmanagedSecurityGroup,
} from './index/resolve-security-group';

// Sources (port and adapters; the test double is sources/state-source.fake.ts, outside the build)
export type { StateReadResult, StateSource, StateVersion } from './sources/state-source.port';
export { FileStateSource } from './sources/file-state-source.adapter';
export { S3StateSource, WORKSPACE_KEY_PREFIX, s3StateObjectKey, type S3StateLocation } from './sources/s3-state-source.adapter';

// Desired state of all stacks
export {
  DesiredStateIndex,
  stateSourceFor,
  type DesiredStateIndexOptions,
  type DesiredStateStack,
  type ManagedResourceRef,
  type RuleOwner,
  type StackOwnership,
  type StackRefreshResult,
  type StackStatus,
} from './desired-state-index';
