import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export class ExportStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportStoreError';
  }
}

/** Where export objects go and come back from (S3; a local stand-in in tests). */
export interface ExportObjectStore {
  put(key: string, gzipped: Buffer): Promise<void>;
  list(prefix: string, startAfter?: string): AsyncIterable<string>;
  /** The object's text (gunzipped). */
  get(key: string): Promise<string>;
}

export interface S3ExportClientOptions {
  region?: string;
  forcePathStyle?: boolean;
  /** Only for tests; in production the SDK's AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL apply. */
  endpoint?: string;
  requestTimeoutMs?: number;
}

/** The S3 client of the export: its own timeouts, a few retries (a failed upload is tried again by the exporter). */
export function createExportS3Client(opts: S3ExportClientOptions): S3Client {
  return new S3Client({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? false,
    maxAttempts: 3,
    requestHandler: { requestTimeout: opts.requestTimeoutMs ?? 30_000, throwOnRequestTimeout: true, connectionTimeout: 3_000 },
  });
}

export class S3ExportStore implements ExportObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, gzipped: Buffer): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: gzipped,
          ContentType: 'application/x-ndjson',
          ContentEncoding: 'gzip',
          // Object Lock buckets refuse a PUT without an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    } catch (err) {
      throw new ExportStoreError(`S3 PutObject s3://${this.bucket}/${key} failed: ${describe(err)}`, { cause: err });
    }
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: token,
            ...(token || !startAfter ? {} : { StartAfter: startAfter }),
          }),
        );
      } catch (err) {
        throw new ExportStoreError(`S3 ListObjectsV2 s3://${this.bucket}/${prefix} failed: ${describe(err)}`, { cause: err });
      }
      for (const o of out.Contents ?? []) if (o.Key) yield o.Key;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async get(key: string): Promise<string> {
    let bytes: Uint8Array;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) throw new Error('no body');
      bytes = await out.Body.transformToByteArray();
    } catch (err) {
      throw new ExportStoreError(`S3 GetObject s3://${this.bucket}/${key} failed: ${describe(err)}`, { cause: err });
    }
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch (err) {
      throw new ExportStoreError(`s3://${this.bucket}/${key} is not gzip: ${(err as Error).message}`, { cause: err });
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${err.name}${status ? ` (HTTP ${status})` : ''}: ${err.message}`;
  }
  return String(err);
}
