/**
 * A stand-in for AWS Config's aggregator API: a real HTTP server (node:http on 127.0.0.1) that
 * speaks the JSON 1.1 protocol as @aws-sdk/client-config-service does (POST /, `X-Amz-Target:
 * StarlingDoveService.<Operation>`, `Content-Type: application/x-amz-json-1.1`), for a client
 * pointed at it (`endpoint`, or AWS_ENDPOINT_URL_CONFIG_SERVICE).
 *
 * Operation: `BatchGetAggregateResourceConfig` — `{ConfigurationAggregatorName,
 * ResourceIdentifiers: [{SourceAccountId, SourceRegion, ResourceId, ResourceType, ResourceName?}]}`
 * (1 to 100 identifiers, each field required, else `ValidationException`; an unknown aggregator
 * is `NoSuchConfigurationAggregatorException`), answered `{BaseConfigurationItems,
 * UnprocessedResourceIdentifiers}`: the items Config has *recorded* (`record`), with
 * `configuration` and every `supplementaryConfiguration` value as JSON strings; a resource
 * never recorded is in neither list, as with Config. Anything else is `UnknownOperationException`.
 *
 * Like the other sandboxes it records every call and injects failures (`failNext`): an error
 * with its HTTP status (`ThrottlingException` 400, `InternalFailure` 500, …), a body that is not
 * JSON, or the next answer leaving the last `n` identifiers unprocessed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CONFIG_TARGET_PREFIX = 'StarlingDoveService.';

export interface AggregateIdentifier {
  SourceAccountId: string;
  SourceRegion: string;
  ResourceId: string;
  ResourceType: string;
  ResourceName?: string;
}

/** A configuration item as the aggregator has recorded it (what the test says Config knows). */
export interface RecordedItem {
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  arn?: string;
  /** Default `OK`. */
  status?: 'OK' | 'ResourceDiscovered' | 'ResourceNotRecorded' | 'ResourceDeleted' | 'ResourceDeletedNotRecorded';
  /** Serialised to a JSON string, as Config answers; a string is sent as is (to send a malformed one). */
  configuration: Record<string, unknown> | string | null;
  /** Each value serialised to a JSON string unless it already is one. */
  supplementaryConfiguration?: Record<string, unknown>;
  /** When Config captured it (default: when recorded). */
  captureTime?: Date;
}

export type ConfigAggregatorFailure =
  | { type: string; status: number; message?: string }
  | { malformed: true }
  /** The next answer leaves its last `unprocessed` identifiers unprocessed. */
  | { unprocessed: number };

export interface ConfigAggregatorCall {
  requestId: string;
  target: string;
  aggregator?: string;
  identifiers: AggregateIdentifier[];
  status: number;
  error?: string;
  unprocessed?: number;
  at: string;
}

const key = (account: string, region: string, type: string, id: string) => `${account}/${region}/${type}/${id}`;

class ConfigApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class ConfigAggregatorSandbox {
  readonly calls: ConfigAggregatorCall[] = [];
  private readonly items = new Map<string, RecordedItem & { stateId: number; recordedAt: Date }>();
  private readonly failures: ConfigAggregatorFailure[] = [];
  private server: Server | undefined;
  private baseUrl = '';
  private seq = 0;

  private constructor(
    readonly aggregatorName: string,
    private readonly clock: () => Date,
  ) {}

  static async start(opts: { aggregatorName?: string; clock?: () => Date } = {}): Promise<ConfigAggregatorSandbox> {
    const sandbox = new ConfigAggregatorSandbox(opts.aggregatorName ?? 'org-aggregator', opts.clock ?? (() => new Date()));
    const server = createServer((req, res) => {
      sandbox.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sandbox.server = server;
    sandbox.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return sandbox;
  }

  get url(): string {
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }

  /** Config records a configuration item (replacing the one it had): what the aggregator answers from now on. */
  record(item: RecordedItem): void {
    this.items.set(key(item.account, item.region, item.resourceType, item.resourceId), {
      ...item,
      stateId: ++this.seq,
      recordedAt: this.clock(),
    });
  }

  /** The next call(s) fail or answer this way, in order. */
  failNext(failure: ConfigAggregatorFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  /** Calls of BatchGetAggregateResourceConfig. */
  batchGets(): ConfigAggregatorCall[] {
    return this.calls.filter((c) => c.target === `${CONFIG_TARGET_PREFIX}BatchGetAggregateResourceConfig`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const target = String(req.headers['x-amz-target'] ?? '');
    const call: ConfigAggregatorCall = { requestId, target, identifiers: [], status: 0, at: this.clock().toISOString() };
    this.calls.push(call);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: string) => {
      call.status = status;
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(body),
        'x-amzn-requestid': requestId,
      });
      res.end(body);
    };
    const fail = (e: ConfigApiError) => {
      call.error = e.type;
      res.setHeader('x-amzn-errortype', e.type);
      send(e.status, JSON.stringify({ __type: e.type, message: e.message }));
    };
    try {
      if (req.method !== 'POST') throw new ConfigApiError('UnknownOperationException', `method ${req.method ?? ''} is not supported`);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1'))
        throw new ConfigApiError('SerializationException', 'expected Content-Type application/x-amz-json-1.1');
      if (!/Credential=[^/,\s]+\//.test(String(req.headers.authorization ?? '')))
        throw new ConfigApiError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      if (target !== `${CONFIG_TARGET_PREFIX}BatchGetAggregateResourceConfig`)
        throw new ConfigApiError('UnknownOperationException', `the stand-in does not implement ${target || '(no X-Amz-Target)'}`);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ConfigApiError('SerializationException', 'the request body is not JSON');
      }
      const identifiers = this.identifiers(body);
      call.identifiers = identifiers;
      call.aggregator = body['ConfigurationAggregatorName'] as string;
      const failure = this.failures.shift();
      if (failure && 'type' in failure)
        throw new ConfigApiError(failure.type, failure.message ?? `injected ${failure.type}`, failure.status);
      if (failure && 'malformed' in failure) return send(200, '{"BaseConfigurationItems": [{"version": "1.3", ');
      if (body['ConfigurationAggregatorName'] !== this.aggregatorName)
        throw new ConfigApiError(
          'NoSuchConfigurationAggregatorException',
          `The configuration aggregator ${JSON.stringify(body['ConfigurationAggregatorName'])} does not exist.`,
        );
      const cut = failure && 'unprocessed' in failure ? Math.min(failure.unprocessed, identifiers.length) : 0;
      const processed = identifiers.slice(0, identifiers.length - cut);
      const unprocessed = identifiers.slice(identifiers.length - cut);
      call.unprocessed = unprocessed.length;
      const items = processed.flatMap((i) => {
        const item = this.items.get(key(i.SourceAccountId, i.SourceRegion, i.ResourceType, i.ResourceId));
        return item ? [this.itemJson(item)] : [];
      });
      send(200, JSON.stringify({ BaseConfigurationItems: items, UnprocessedResourceIdentifiers: unprocessed }));
    } catch (err) {
      fail(err instanceof ConfigApiError ? err : new ConfigApiError('InternalFailure', String(err), 500));
    }
  }

  private identifiers(body: Record<string, unknown>): AggregateIdentifier[] {
    const name = body['ConfigurationAggregatorName'];
    if (typeof name !== 'string' || name === '')
      throw new ConfigApiError('ValidationException', '1 validation error detected: ConfigurationAggregatorName must not be null');
    const list = body['ResourceIdentifiers'];
    if (!Array.isArray(list) || list.length === 0 || list.length > 100)
      throw new ConfigApiError(
        'ValidationException',
        `1 validation error detected: Value at 'resourceIdentifiers' failed to satisfy constraint: Member must have length between 1 and 100 (got ${Array.isArray(list) ? list.length : 'none'})`,
      );
    return list.map((raw, n) => {
      const i = (raw ?? {}) as Record<string, unknown>;
      for (const field of ['SourceAccountId', 'SourceRegion', 'ResourceId', 'ResourceType'])
        if (typeof i[field] !== 'string' || i[field] === '')
          throw new ConfigApiError('ValidationException', `ResourceIdentifiers[${n}].${field} must not be null`);
      return i as unknown as AggregateIdentifier;
    });
  }

  private itemJson(item: RecordedItem & { stateId: number; recordedAt: Date }): Record<string, unknown> {
    const at = (item.captureTime ?? item.recordedAt).getTime() / 1000;
    const supplementary: Record<string, string> = {};
    for (const [k, v] of Object.entries(item.supplementaryConfiguration ?? {}))
      supplementary[k] = typeof v === 'string' ? v : JSON.stringify(v);
    return {
      version: '1.3',
      accountId: item.account,
      configurationItemCaptureTime: at,
      configurationItemStatus: item.status ?? 'OK',
      configurationStateId: String(item.stateId),
      ...(item.arn ? { arn: item.arn } : {}),
      resourceType: item.resourceType,
      resourceId: item.resourceId,
      ...(item.resourceName ? { resourceName: item.resourceName } : {}),
      awsRegion: item.region,
      availabilityZone: 'Not Applicable',
      ...(item.configuration === null
        ? {}
        : { configuration: typeof item.configuration === 'string' ? item.configuration : JSON.stringify(item.configuration) }),
      supplementaryConfiguration: supplementary,
      recordingFrequency: 'CONTINUOUS',
      configurationItemDeliveryTime: at,
    };
  }
}
