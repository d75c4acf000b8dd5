/**
 * ConfigItemFetcher over AWS Config `BatchGetResourceConfig`, with the S3 copy that Config
 * delivers for oversized notifications as the exact source when the API has moved on.
 */
import { gunzipSync } from 'node:zlib';
import {
  BatchGetResourceConfigCommand,
  type BaseConfigurationItem,
  type ConfigServiceClient,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type ConfigItemEvent, PermanentError, type PropertyChange, TransientError } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import { propertyChangesOf } from '../normalize/normalize';
import { zodErrorToProblems } from '../normalize/problems';
import { configurationItemDiffSchema, configurationItemSchema, isPlainObject } from '../normalize/schemas';
import { ConfigItemFetcher, needsCompletion } from './config-item-fetcher.port';

/** Config is regional (and per account): the adapter asks for the client of the item's location. */
export type ConfigServiceClientProvider = (location: { account: string; region: string }) => ConfigServiceClient;

export interface ConfigItemFetcherClients {
  configService: ConfigServiceClientProvider;
  /** One S3 client; build it with `followRegionRedirects` (the factory does) as the bucket's region is unknown. */
  s3: S3Client;
}

interface Completion {
  configuration: Record<string, unknown> | null;
  tags: Record<string, string>;
  changedProperties?: string[];
  supplementaryConfiguration?: Record<string, unknown>;
  propertyChanges?: Record<string, PropertyChange>;
}

export interface ConfigItemFetcherOptions {
  /**
   * Buckets the S3 copy of an oversized item may be read from (`ingest.configDeliveryBuckets`:
   * the Config delivery channel's). The location comes from the event, so anyone able to send
   * one could otherwise make the controller read any object its role can (a confused deputy).
   * A location in another bucket is treated as no copy named. Default: none.
   */
  allowedBuckets?: readonly string[];
  /** The largest S3 object read (compressed). Default 64 MiB. */
  maxObjectBytes?: number;
  /** The largest document once decompressed (a gzip bomb stops here). Default 256 MiB. */
  maxDocumentBytes?: number;
}

export class AwsConfigItemFetcher implements ConfigItemFetcher {
  private readonly allowedBuckets: ReadonlySet<string>;
  private readonly maxObjectBytes: number;
  private readonly maxDocumentBytes: number;

  constructor(
    private readonly clients: ConfigItemFetcherClients,
    options: ConfigItemFetcherOptions = {},
  ) {
    this.allowedBuckets = new Set(options.allowedBuckets ?? []);
    this.maxObjectBytes = options.maxObjectBytes ?? 64 * 1024 * 1024;
    this.maxDocumentBytes = options.maxDocumentBytes ?? 256 * 1024 * 1024;
  }

  async complete(event: ConfigItemEvent, options: { signal?: AbortSignal } = {}): Promise<ConfigItemEvent> {
    if (!needsCompletion(event)) return event;
    const named = event.oversized?.s3BucketLocation ?? null;
    const s3Location = named && this.allowedBuckets.has(named.split('/')[0]) ? named : null;
    const found = await this.batchGet(event, options.signal);

    if (found.kind === 'item') {
      const order = compareToEvent(found.item, event);
      if (order === 'same') return withCompletion(event, completionFromApiItem(found.item, event));
      // The API only serves the latest item; the S3 copy is the exact one for this notification.
      if (s3Location) return withCompletion(event, await this.fromS3(event, s3Location, options.signal));
      const apiState = `${found.item.configurationStateId ?? '?'} (captured ${found.item.configurationItemCaptureTime?.toISOString() ?? '?'})`;
      const ours = `${event.configurationStateId ?? '?'} (captured ${event.captureTime})`;
      if (order === 'older') {
        throw new TransientError(
          `BatchGetResourceConfig returned item ${apiState} for ${describe(event)}, older than the notified item ${ours}; Config has not caught up yet`,
          'config_item_not_yet_available',
        );
      }
      throw new PermanentError(
        `BatchGetResourceConfig returned item ${apiState} for ${describe(event)}, newer than the notified item ${ours}, ` +
          `and the notification names no S3 copy${ignoredCopy(named)}; the newer item has its own notification`,
        'config_item_superseded',
      );
    }

    if (s3Location) return withCompletion(event, await this.fromS3(event, s3Location, options.signal));
    if (found.kind === 'unprocessed') {
      // AWS documents unprocessed keys as "pass them to a later call": retry later.
      throw new TransientError(
        `BatchGetResourceConfig left the resource key of ${describe(event)} unprocessed (unprocessedResourceKeys); retry later`,
        'config_unprocessed_resource_key',
      );
    }
    throw new PermanentError(
      `BatchGetResourceConfig returned no item for ${describe(event)}: the resource is unknown to AWS Config in ` +
        `${event.resource.account}/${event.resource.region} (not recorded, or deleted) and the notification names no S3 copy${ignoredCopy(named)}`,
      'config_item_not_found',
    );
  }

  private async batchGet(
    event: ConfigItemEvent,
    signal: AbortSignal | undefined,
  ): Promise<{ kind: 'item'; item: BaseConfigurationItem } | { kind: 'unprocessed' } | { kind: 'missing' }> {
    const { type, id, account, region } = event.resource;
    const client = this.clients.configService({ account, region });
    let output;
    try {
      output = await client.send(
        new BatchGetResourceConfigCommand({ resourceKeys: [{ resourceType: type as ResourceType, resourceId: id }] }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw mapAwsError(err, { service: 'config', operation: 'BatchGetResourceConfig' });
    }
    const item = (output.baseConfigurationItems ?? []).find((i) => i.resourceId === id && i.resourceType === type);
    if (item) return { kind: 'item', item };
    const unprocessed = (output.unprocessedResourceKeys ?? []).some((k) => k.resourceId === id && k.resourceType === type);
    return unprocessed ? { kind: 'unprocessed' } : { kind: 'missing' };
  }

  private async fromS3(event: ConfigItemEvent, location: string, signal: AbortSignal | undefined): Promise<Completion> {
    const { bucket, key } = splitS3Location(location);
    const where = `s3://${bucket}/${key}`;
    const tooLarge = (size: number) =>
      new PermanentError(
        `${where} is ${size} bytes, more than the ${this.maxObjectBytes} read for one configuration item`,
        'config_item_too_large',
      );
    let bytes: Uint8Array;
    try {
      const output = await this.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      if (!output.Body) throw new PermanentError(`${where} has no body`, 'config_item_malformed');
      if ((output.ContentLength ?? 0) > this.maxObjectBytes) {
        // Not read at all: close the stream.
        (output.Body as { destroy?: () => void }).destroy?.();
        throw tooLarge(output.ContentLength ?? 0);
      }
      bytes = await output.Body.transformToByteArray();
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      throw mapAwsError(err, { service: 's3', operation: `GetObject ${where}` });
    }
    if (bytes.length > this.maxObjectBytes) throw tooLarge(bytes.length);
    const document = decodeS3Document(bytes, where, this.maxDocumentBytes);
    return completionFromS3Document(document, event, `s3://${bucket}/${key}`);
  }
}

/** For messages: a copy the event named in a bucket that is not allowed (see `allowedBuckets`). */
function ignoredCopy(named: string | null): string {
  return named ? ` it may be read from (it names s3://${named}, in a bucket not listed in ingest.configDeliveryBuckets)` : '';
}

function describe(event: ConfigItemEvent): string {
  return `${event.resource.type} ${event.resource.id}`;
}

function withCompletion(event: ConfigItemEvent, c: Completion): ConfigItemEvent {
  const completed: ConfigItemEvent = { ...event, configuration: c.configuration, tags: c.tags };
  if (c.supplementaryConfiguration) completed.supplementaryConfiguration = c.supplementaryConfiguration;
  if (c.changedProperties && event.changedProperties.length === 0) completed.changedProperties = c.changedProperties;
  if (c.propertyChanges && !event.propertyChanges) completed.propertyChanges = c.propertyChanges;
  return completed;
}

/** `bucket/key`, split on the first `/` (CONTRACTS §A6); the key is used as is (not URL-encoded). */
export function splitS3Location(location: string): { bucket: string; key: string } {
  const slash = location.indexOf('/');
  const bucket = slash > 0 ? location.slice(0, slash) : '';
  const key = slash > 0 ? location.slice(slash + 1) : '';
  if (!bucket || !key) {
    throw new PermanentError(
      `s3BucketLocation ${JSON.stringify(location)} is not of the form "bucket/key"`,
      'config_item_s3_location_invalid',
    );
  }
  return { bucket, key };
}

/** Same item, an older one (the API lags), or a newer one (the resource changed again). */
function compareToEvent(item: BaseConfigurationItem, event: ConfigItemEvent): 'same' | 'older' | 'newer' {
  const apiStateId = item.configurationStateId !== undefined ? Number(item.configurationStateId) : NaN;
  if (event.configurationStateId !== undefined && Number.isFinite(apiStateId) && apiStateId > 0) {
    if (apiStateId === event.configurationStateId) return 'same';
    return apiStateId < event.configurationStateId ? 'older' : 'newer';
  }
  const apiCapture = item.configurationItemCaptureTime?.getTime();
  if (apiCapture === undefined || Number.isNaN(apiCapture)) return 'same';
  const ours = Date.parse(event.captureTime);
  if (apiCapture === ours) return 'same';
  return apiCapture < ours ? 'older' : 'newer';
}

function malformed(what: string, cause?: unknown): PermanentError {
  return new PermanentError(`malformed configuration item: ${what}`, 'config_item_malformed', cause === undefined ? undefined : { cause });
}

function parseJsonField(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw malformed(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

/** BatchGetResourceConfig returns `configuration` and each `supplementaryConfiguration` value as JSON strings. */
function completionFromApiItem(item: BaseConfigurationItem, event: ConfigItemEvent): Completion {
  const where = `BatchGetResourceConfig ${describe(event)}`;
  let configuration: Record<string, unknown> | null = null;
  if (item.configuration !== undefined && item.configuration !== '') {
    const parsed = parseJsonField(item.configuration, `${where}: configuration`);
    if (parsed !== null && !isPlainObject(parsed))
      throw malformed(`${where}: configuration is a JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}, expected an object`);
    configuration = parsed;
  }
  let supplementaryTags: unknown;
  const rawTags = item.supplementaryConfiguration?.['Tags'];
  if (rawTags !== undefined) supplementaryTags = parseJsonField(rawTags, `${where}: supplementaryConfiguration.Tags`);
  // The other values stay JSON strings as the API gives them: the kind that reads one parses it.
  const supplementary =
    item.supplementaryConfiguration && Object.keys(item.supplementaryConfiguration).length > 0
      ? { ...item.supplementaryConfiguration }
      : undefined;
  return {
    configuration,
    tags: tagsFrom(supplementaryTags) ?? tagsFrom(configuration?.['tags']) ?? event.tags,
    ...(supplementary ? { supplementaryConfiguration: supplementary } : {}),
  };
}

/** A tag map from `[{key, value}]` / `[{Key, Value}]` arrays or a string map; undefined if none. */
export function tagsFrom(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const tags: Record<string, string> = {};
    for (const entry of value) {
      if (!isPlainObject(entry)) continue;
      const k = entry['key'] ?? entry['Key'];
      const v = entry['value'] ?? entry['Value'];
      if (typeof k === 'string' && typeof v === 'string') tags[k] = v;
    }
    return tags;
  }
  if (isPlainObject(value)) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') tags[k] = v;
    return tags;
  }
  return undefined;
}

function decodeS3Document(bytes: Uint8Array, where: string, maxDocumentBytes: number): unknown {
  let text: string;
  try {
    // Config writes gzipped JSON; tolerate an object already decompressed in transit.
    const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    text = (gzipped ? gunzipSync(bytes, { maxOutputLength: maxDocumentBytes }) : Buffer.from(bytes)).toString('utf8');
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PermanentError(`${where} decompresses to more than ${maxDocumentBytes} bytes; not read`, 'config_item_too_large');
    }
    throw malformed(`${where} is not valid gzip`, err);
  }
  return parseJsonField(text, where);
}

/**
 * The S3 object is the full notification (`{configurationItem, configurationItemDiff, …}`); a bare
 * configuration item or a history file (`{configurationItems: […]}`) is accepted too.
 */
function completionFromS3Document(document: unknown, event: ConfigItemEvent, where: string): Completion {
  if (!isPlainObject(document))
    throw malformed(`${where} holds a JSON ${Array.isArray(document) ? 'array' : typeof document}, expected an object`);
  let candidate: unknown = document;
  if (isPlainObject(document['configurationItem'])) candidate = document['configurationItem'];
  else if (Array.isArray(document['configurationItems'])) {
    const items = document['configurationItems'].filter(isPlainObject);
    candidate =
      items.find((i) => i['resourceId'] === event.resource.id && i['configurationStateId'] === event.configurationStateId) ??
      items.find((i) => i['resourceId'] === event.resource.id);
  }
  const parsed = configurationItemSchema.safeParse(candidate, { reportInput: true });
  if (!parsed.success) {
    const problems = zodErrorToProblems(parsed.error).map((p) => `${p.path || '(root)'}: ${p.message}`);
    throw malformed(`${where}: ${problems.join('; ')}`);
  }
  const ci = parsed.data;
  if (ci.resourceId !== event.resource.id || ci.resourceType !== event.resource.type) {
    throw new PermanentError(
      `${where} holds ${ci.resourceType} ${ci.resourceId}, not the notified ${describe(event)}`,
      'config_item_mismatch',
    );
  }
  const diff = configurationItemDiffSchema.safeParse(document['configurationItemDiff']);
  const completion: Completion = { configuration: ci.configuration ?? null, tags: ci.tags ?? event.tags };
  if (diff.success) {
    completion.changedProperties = Object.keys(diff.data.changedProperties ?? {});
    if (diff.data.changedProperties) completion.propertyChanges = propertyChangesOf(diff.data.changedProperties);
  }
  if (ci.supplementaryConfiguration && Object.keys(ci.supplementaryConfiguration).length > 0)
    completion.supplementaryConfiguration = ci.supplementaryConfiguration;
  return completion;
}
