/**
 * A Terraform `s3` backend object, read with a conditional GetObject (`IfNoneMatch: <etag>`):
 * S3 answers 304 Not Modified when the state has not changed, which the SDK raises as an error
 * (`$metadata.httpStatusCode === 304`, name `NotModified`); that is "unchanged", not a failure.
 * With a workspace other than `default`, the object key is `env:/<workspace>/<key>`. The body
 * is streamed to the state reader; a transfer failing half-way is classified like GetObject's
 * own errors (a reset connection or a timeout is transient).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PermanentError } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/aws';
import type { StateReadResult, StateSource, StateVersion } from './state-source.port';

export interface S3StateLocation {
  bucket: string;
  key: string;
  /** The bucket's region (the injected client should be for it). */
  region: string;
  workspace?: string;
}

/** The S3 backend's default `workspace_key_prefix`. */
export const WORKSPACE_KEY_PREFIX = 'env:';

/** The object key of a workspace's state: `key` for `default`, else `env:/<workspace>/<key>`. */
export function s3StateObjectKey(key: string, workspace?: string): string {
  return workspace === undefined || workspace === '' || workspace === 'default' ? key : `${WORKSPACE_KEY_PREFIX}/${workspace}/${key}`;
}

function isNotModified(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return e.$metadata?.httpStatusCode === 304 || e.name === 'NotModified' || e.name === '304';
}

/** What the SDK's Node body is: a Readable (async iterable of byte chunks) with `destroy`. */
type SdkBody = AsyncIterable<Uint8Array | string> & { destroy?: (error?: Error) => void };

export class S3StateSource implements StateSource {
  readonly origin: string;
  private readonly objectKey: string;

  constructor(
    private readonly location: S3StateLocation,
    /** Built for `location.region` (e.g. with @driftwarden/ingest `createS3Client`). */
    private readonly client: Pick<S3Client, 'send'>,
  ) {
    this.objectKey = s3StateObjectKey(location.key, location.workspace);
    this.origin = `s3://${location.bucket}/${this.objectKey}`;
  }

  async read(previous?: StateVersion, options: { signal?: AbortSignal } = {}): Promise<StateReadResult> {
    const input = { Bucket: this.location.bucket, Key: this.objectKey, ...(previous !== undefined ? { IfNoneMatch: previous } : {}) };
    let output;
    try {
      output = await this.client.send(new GetObjectCommand(input), { abortSignal: options.signal });
    } catch (err) {
      if (previous !== undefined && isNotModified(err)) return { status: 'unchanged', version: previous };
      throw this.failure(err);
    }
    const raw = output.Body as unknown as SdkBody | undefined;
    if (!raw || typeof raw[Symbol.asyncIterator] !== 'function') {
      throw new PermanentError(`Terraform state ${this.origin} has no body`, 'terraform_state_malformed');
    }
    const body = this.chunks(raw);
    const result: StateReadResult = { status: 'changed', body };
    if (output.ETag) result.version = output.ETag;
    if (typeof output.ContentLength === 'number') result.size = output.ContentLength;
    return result;
  }

  private failure(err: unknown) {
    return mapAwsError(err, { service: 's3', operation: `GetObject ${this.origin}` });
  }

  /** The body's chunks, errors mapped; `destroy` releases the connection of a body that will not be read. */
  private chunks(raw: SdkBody): AsyncIterable<Uint8Array | string> & { destroy: () => void } {
    const failure = (err: unknown) => this.failure(err);
    async function* mapped(): AsyncGenerator<Uint8Array | string> {
      try {
        for await (const chunk of raw) yield chunk;
      } catch (err) {
        throw failure(err);
      }
    }
    const iterable = mapped();
    return {
      [Symbol.asyncIterator]: () => iterable,
      destroy: () => raw.destroy?.(),
    };
  }
}
