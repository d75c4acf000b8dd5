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
export {
  DEFAULT_MAX_STATE_BYTES,
  DEFAULT_SLICE_MS,
  readStackStateIndex,
  type ReadStateOptions,
  type StateBody,
} from './state/read-state-stream';
export { TerraformStateFormatError, inStack, type TerraformStateFormatCode } from './terraform-state.errors';

// Index (pure): generic, with the resource kinds' parts plugged in
export type { AnyStateKind, ManagedInstanceRef, StateInstance, StateKind } from './index/state-kind';
export { StackStateIndex, StackStateIndexBuilder, type StackStateSummary } from './index/stack-state-index';
export { locationFromArn, locationMatches, type StateLocation } from './index/location';

// Sources (port and adapters; the stand-ins are in the testing entry point, @driftwarden/terraform-state/testing)
export type { StateReadResult, StateSource, StateVersion } from './sources/state-source.port';
export { FileStateSource } from './sources/file-state-source.adapter';
export { S3StateSource, WORKSPACE_KEY_PREFIX, s3StateObjectKey, type S3StateLocation } from './sources/s3-state-source.adapter';

// Desired state of all stacks
export {
  DesiredStateIndex,
  stateSourceFor,
  type DesiredStateIndexOptions,
  type DesiredStateStack,
  type KindIndexes,
  type ManagedResourceRef,
  type StackRefreshResult,
  type StackStatus,
} from './desired-state-index';
