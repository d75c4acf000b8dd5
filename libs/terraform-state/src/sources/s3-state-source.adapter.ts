/**
 * A Terraform `s3` backend object, read with a conditional GetObject (`IfNoneMatch: <etag>`):
 * S3 answers 304 Not Modified when the state has not changed, which the SDK raises as an error
 * (`$metadata.httpStatusCode === 304`, name `NotModified`); that is "unchanged", not a failure.
 * With a workspace other than `default`, the object key is `env:/<workspace>/<key>`.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PermanentError } from '@driftwarden/domain';
import { mapAwsError } from '@driftwarden/ingest';
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
    try {
      const output = await this.client.send(new GetObjectCommand(input), { abortSignal: options.signal });
      if (!output.Body) throw new PermanentError(`Terraform state ${this.origin} has no body`, 'terraform_state_malformed');
      const body = await output.Body.transformToString('utf-8');
      return output.ETag ? { status: 'changed', body, version: output.ETag } : { status: 'changed', body };
    } catch (err) {
      if (previous !== undefined && isNotModified(err)) return { status: 'unchanged', version: previous };
      throw mapAwsError(err, { service: 's3', operation: `GetObject ${this.origin}` });
    }
  }
}
