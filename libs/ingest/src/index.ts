/**
 * @driftwarden/ingest: turns AWS Config / CloudTrail deliveries (HTTP, SQS, JSON lines) into the
 * domain's InternalEvents, completes oversized configuration items, and consumes SQS.
 */

// Normalisation (pure)
export {
  normalizeDelivery,
  DETAIL_TYPES,
  CONFIG_ITEM_MESSAGE_TYPES,
  COMPLIANCE_MESSAGE_TYPE,
  type NormalizeResult,
  type NormalizeContext,
} from './normalize/normalize';
export { configItemEventId, complianceEventId, cloudTrailEventId } from './normalize/event-ids';

// Oversized configuration items
export { ConfigItemFetcher, needsCompletion } from './config-service/config-item-fetcher.port';
export {
  AwsConfigItemFetcher,
  splitS3Location,
  type ConfigItemFetcherClients,
  type ConfigServiceClientProvider,
} from './config-service/config-item-fetcher.adapter';

// SQS
export { SqsConsumer, type SqsConsumerOptions, type SqsConsumerDeps } from './sqs/sqs-consumer.adapter';
export type {
  HandleOutcome,
  IngestLogger,
  QuarantineFn,
  QuarantineReason,
  QuarantinedError,
  SqsMessageHandler,
  SqsMessageMeta,
} from './sqs/sqs-consumer.port';

// AWS clients (their errors are mapped by @driftwarden/aws)
export {
  createConfigServiceClient,
  createConfigServiceClientProvider,
  createS3Client,
  createSqsClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  type AwsClientOptions,
} from './aws/aws-clients.factory';
