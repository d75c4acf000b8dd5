/**
 * The reconciling sweep's live reads through an AWS Config aggregator (`reconcile.aggregator`,
 * issue 17 §2): instead of describe calls in every account and region, one
 * `BatchGetAggregateResourceConfig` per 100 managed resources of any type, account and region,
 * made with the controller's own credentials in the aggregator's account and region, at most
 * `reconcile.aggregator.callsPerSecond` for the whole aggregator. Identifiers Config leaves
 * unprocessed are asked for again (each call paced); the configuration (a JSON string in each
 * BaseConfigurationItem) is what the kinds' `analyze` reads from a Config item anyway.
 *
 * What this reads is what Config has *recorded*, not what is live: Config records a change some
 * minutes after it is made, and the aggregator copies it later still (typically minutes, up to
 * hours across regions). A change Config has not recorded is found by a later sweep; a resource
 * Config does not record (its type not recorded in that account and region, or an account the
 * aggregator does not cover) is reported as unreadable, never as "gone".
 */
import {
  BatchGetAggregateResourceConfigCommand,
  ConfigServiceClient,
  type AggregateResourceIdentifier,
  type BaseConfigurationItem,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { TransientError, type JsonObject } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import { LiveStatePort, type LiveBatch, type LiveResource, type ManagedBatchSource, type Pace } from '@driftwarden/pipeline';

/** BatchGetAggregateResourceConfig takes 1 to 100 identifiers. */
export const AGGREGATE_BATCH_SIZE = 100;
/** Calls per batch for identifiers Config keeps leaving unprocessed (then the batch fails, and is retried with back-off). */
export const MAX_UNPROCESSED_ROUNDS = 5;

export interface AggregatorSettings {
  name: string;
  region: string;
  callsPerSecond: number;
}

/** Sends BatchGetAggregateResourceConfig (the Config client, or a stand-in). */
export type AggregateConfigClient = Pick<ConfigServiceClient, 'send'>;

/** A Config client for the aggregator's region (endpoint from the SDK: AWS_ENDPOINT_URL_CONFIG_SERVICE). */
export function createAggregatorClient(settings: AggregatorSettings, requestTimeoutMs: number): ConfigServiceClient {
  return new ConfigServiceClient({
    region: settings.region,
    // The sweep retries a batch itself, with back-off, under its own rate limit.
    maxAttempts: 1,
    requestHandler: { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: 3_000 },
  });
}

const idKey = (account: string, region: string, type: string, id: string) => `${account}/${region}/${type}/${id}`;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tags from `[{key, value}]` / `[{Key, Value}]` or a string map. */
function tagsFrom(value: unknown): Record<string, string> | undefined {
  if (Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const t of value) {
      if (!isObject(t)) continue;
      const k = t['key'] ?? t['Key'];
      const v = t['value'] ?? t['Value'];
      if (typeof k === 'string') out[k] = typeof v === 'string' ? v : '';
    }
    return out;
  }
  if (isObject(value)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
    return out;
  }
  return undefined;
}

/** One BaseConfigurationItem → a live resource (id as asked). */
export function liveFromConfigItem(item: BaseConfigurationItem, id: string): LiveResource {
  const where = `the aggregator's item of ${item.resourceType ?? '?'} ${id} in ${item.accountId ?? '?'}/${item.awsRegion ?? '?'}`;
  const status = item.configurationItemStatus;
  const capturedAt = item.configurationItemCaptureTime?.toISOString();
  const when = capturedAt ? { capturedAt } : {};
  if (status === 'ResourceDeleted' || status === 'ResourceDeletedNotRecorded')
    return { id, exists: false, configuration: null, tags: {}, ...when };
  if (status === 'ResourceNotRecorded')
    return {
      id,
      exists: false,
      configuration: null,
      tags: {},
      unreadable: `${where}: Config does not record this resource (ResourceNotRecorded)`,
    };
  try {
    if (item.configuration === undefined || item.configuration === '') throw new Error(`${where} has no configuration`);
    const configuration = parseJson(item.configuration, `${where}: configuration`);
    if (!isObject(configuration)) throw new Error(`${where}: configuration is not a JSON object`);
    // The values stay JSON strings as Config gives them (the kinds' readers take both); Tags is read for the tags.
    const supplementary = { ...(item.supplementaryConfiguration ?? {}) };
    const rawTags = supplementary['Tags'];
    const tags =
      (rawTags !== undefined ? tagsFrom(parseJson(rawTags, `${where}: supplementaryConfiguration.Tags`)) : undefined) ??
      tagsFrom(configuration['tags']) ??
      {};
    return {
      id,
      ...(item.arn ? { arn: item.arn } : {}),
      exists: true,
      configuration: configuration as JsonObject,
      supplementaryConfiguration: supplementary,
      tags,
      ...when,
    };
  } catch (err) {
    return { id, exists: false, configuration: null, tags: {}, unreadable: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * LiveStatePort over a Config aggregator: the managed resources come from the kinds (`managed`),
 * the live configuration from the aggregator.
 */
export class AggregatorLiveState extends LiveStatePort {
  constructor(
    private readonly managedFrom: Pick<LiveStatePort, 'managed'>,
    private readonly client: AggregateConfigClient,
    private readonly settings: AggregatorSettings,
  ) {
    super();
  }

  managed(): Promise<ManagedBatchSource[]> {
    return this.managedFrom.managed();
  }

  /** Batches of up to 100 resources of any type, account and region, all counted against the aggregator's one limit. */
  plan(sources: readonly ManagedBatchSource[]): LiveBatch[] {
    const all = sources.flatMap((s) => s.ids.map((id) => ({ location: s.location, type: s.type, id })));
    const out: LiveBatch[] = [];
    for (let i = 0; i < all.length; i += AGGREGATE_BATCH_SIZE) {
      out.push({
        limiter: `aggregator:${this.settings.region}/${this.settings.name}`,
        callsPerSecond: this.settings.callsPerSecond,
        resources: all.slice(i, i + AGGREGATE_BATCH_SIZE),
      });
    }
    return out;
  }

  async describe(batch: LiveBatch, pace: Pace): Promise<LiveResource[]> {
    if (batch.resources.length > AGGREGATE_BATCH_SIZE)
      throw new Error(`at most ${AGGREGATE_BATCH_SIZE} resources per BatchGetAggregateResourceConfig, got ${batch.resources.length}`);
    const asked = new Map<string, AggregateResourceIdentifier>();
    for (const r of batch.resources) {
      asked.set(idKey(r.location.account, r.location.region, r.type, r.id), {
        SourceAccountId: r.location.account,
        SourceRegion: r.location.region,
        ResourceId: r.id,
        ResourceType: r.type as ResourceType,
      });
    }
    const found = new Map<string, BaseConfigurationItem>();
    let pending = [...asked.values()];
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_UNPROCESSED_ROUNDS)
        throw new TransientError(
          `Config's aggregator ${this.settings.name} left ${pending.length} of ${batch.resources.length} resources unprocessed ${MAX_UNPROCESSED_ROUNDS} times in a row`,
          'config_aggregate_unprocessed',
        );
      await pace();
      let output;
      try {
        output = await this.client.send(
          new BatchGetAggregateResourceConfigCommand({ ConfigurationAggregatorName: this.settings.name, ResourceIdentifiers: pending }),
        );
      } catch (err) {
        throw mapAwsError(err, { service: 'config', operation: `BatchGetAggregateResourceConfig (aggregator ${this.settings.name})` });
      }
      for (const item of output.BaseConfigurationItems ?? []) {
        const k = idKey(item.accountId ?? '', item.awsRegion ?? '', item.resourceType ?? '', item.resourceId ?? '');
        if (asked.has(k)) found.set(k, item);
      }
      // Only what was asked for, and never more than was sent: a server answering otherwise cannot loop us.
      const sent = new Set(pending.map((p) => idKey(p.SourceAccountId!, p.SourceRegion!, p.ResourceType!, p.ResourceId!)));
      pending = (output.UnprocessedResourceIdentifiers ?? []).flatMap((u) => {
        const k = idKey(u.SourceAccountId ?? '', u.SourceRegion ?? '', u.ResourceType ?? '', u.ResourceId ?? '');
        return sent.has(k) && !found.has(k) ? [asked.get(k)!] : [];
      });
    }
    return batch.resources.map((r) => {
      const item = found.get(idKey(r.location.account, r.location.region, r.type, r.id));
      if (item) return liveFromConfigItem(item, r.id);
      return {
        id: r.id,
        exists: false,
        configuration: null,
        tags: {},
        unreadable: `Config's aggregator ${this.settings.name} has no configuration item of ${r.type} ${r.id} in ${r.location.account}/${r.location.region} (not recorded there, or the aggregator does not cover that account and region)`,
      };
    });
  }
}
