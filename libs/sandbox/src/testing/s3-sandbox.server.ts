/**
 * The S3 sandbox: a real HTTP server (node:http on 127.0.0.1) answering as S3's REST API does,
 * for @aws-sdk/client-s3 pointed at it (`endpoint`, or `AWS_ENDPOINT_URL_S3`), path-style or
 * virtual-hosted (`{bucket}.host`):
 * - a bucket's public access block (the S3 bucket kind): `GET|PUT|DELETE /{bucket}?publicAccessBlock`;
 * - objects (the audit export): PutObject (`If-None-Match: *` honoured; bodies sent with the SDK's
 *   `aws-chunked` encoding, checksum trailers, decoded), GetObject, HeadObject, ListObjectsV2
 *   (prefix, start-after, max-keys, continuation token).
 * Anything else is 501 NotImplemented.
 *
 * Errors are S3's: `NoSuchBucket` (404), `NoSuchPublicAccessBlockConfiguration` (404) for a
 * bucket without a block, `AccessDenied` (403) for an unsigned request, `MalformedXML` (400).
 * Like the EC2 sandbox it records every call, reports each change (`onChange`, in CloudTrail's
 * names: PutBucketPublicAccessBlock / DeleteBucketPublicAccessBlock), lets a "human" change a
 * block out of band (`setBlock`), and injects failures (`failNext`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FLAGS, API_NAMES, type PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';

export type S3SandboxOperation =
  'GetPublicAccessBlock' | 'PutPublicAccessBlock' | 'DeletePublicAccessBlock' | 'PutObject' | 'GetObject' | 'HeadObject' | 'ListObjectsV2';

/** An object as stored: its bytes (decoded from `aws-chunked`), ETag (quoted MD5) and the headers it was put with. */
export interface S3SandboxObject {
  body: Buffer;
  etag: string;
  contentType?: string;
  contentEncoding?: string;
  lastModified: Date;
}

export type S3SandboxFailure = { code: string; status: number; message?: string } | { network: 'reset' | 'hang' };

export interface S3SandboxCall {
  requestId: string;
  operation: S3SandboxOperation | '';
  bucket: string;
  status: number;
  error?: { code: string; message: string };
  injected?: boolean;
  principalArn?: string;
  at: string;
}

export interface S3BlockChange {
  bucket: string;
  /** As CloudTrail logs it. */
  eventName: 'PutBucketPublicAccessBlock' | 'DeleteBucketPublicAccessBlock';
  /** The block after the change (null: none). */
  block: PublicAccessBlock | null;
  principalArn?: string;
}

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export class S3Sandbox {
  readonly calls: S3SandboxCall[] = [];
  readonly listenerErrors: unknown[] = [];
  private readonly buckets = new Map<string, PublicAccessBlock | null>();
  private readonly objects = new Map<string, Map<string, S3SandboxObject>>();
  private readonly listeners = new Set<(c: S3BlockChange) => void>();
  private readonly failures: { operation: S3SandboxOperation | '*'; failure: S3SandboxFailure; remaining: number }[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private baseUrl = '';

  private constructor(private readonly options: { principals?: Record<string, string>; clock?: () => Date }) {}

  static async start(options: { principals?: Record<string, string>; clock?: () => Date; port?: number } = {}): Promise<S3Sandbox> {
    const sandbox = new S3Sandbox(options);
    const server = createServer((req, res) => {
      sandbox.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
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
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  }

  /** A bucket, with its block (null or absent: none). */
  addBucket(bucket: string, block: PublicAccessBlock | null = null): void {
    this.buckets.set(bucket, block ? { ...block } : null);
    if (!this.objects.has(bucket)) this.objects.set(bucket, new Map());
  }

  /** The keys of a bucket's objects under `prefix`, sorted (as ListObjectsV2 lists them). */
  keys(bucket: string, prefix = ''): string[] {
    return [...(this.objects.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }

  /** An object as stored (undefined: none). */
  object(bucket: string, key: string): S3SandboxObject | undefined {
    return this.objects.get(bucket)?.get(key);
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** The bucket's block (null: none). Throws for an unknown bucket. */
  block(bucket: string): PublicAccessBlock | null {
    if (!this.buckets.has(bucket)) throw new Error(`no bucket ${bucket} in the S3 sandbox`);
    const b = this.buckets.get(bucket);
    return b ? { ...b } : null;
  }

  /** Someone changes the block out of band (reported to listeners as PutBucketPublicAccessBlock, or Delete for null). */
  setBlock(bucket: string, block: PublicAccessBlock | null, principalArn?: string): void {
    this.block(bucket);
    this.apply(bucket, block, principalArn);
  }

  onChange(listener: (c: S3BlockChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  failNext(operation: S3SandboxOperation | '*', failure: S3SandboxFailure, options: { times?: number } = {}): void {
    this.failures.push({ operation, failure, remaining: options.times ?? 1 });
  }

  writeCalls(): S3SandboxCall[] {
    return this.calls.filter((c) => c.operation === 'PutPublicAccessBlock' || c.operation === 'DeletePublicAccessBlock');
  }

  private apply(bucket: string, block: PublicAccessBlock | null, principalArn?: string): void {
    this.buckets.set(bucket, block ? { ...block } : null);
    const change: S3BlockChange = {
      bucket,
      eventName: block ? 'PutBucketPublicAccessBlock' : 'DeleteBucketPublicAccessBlock',
      block: block ? { ...block } : null,
      ...(principalArn !== undefined ? { principalArn } : {}),
    };
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (err) {
        this.listenerErrors.push(err);
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const host = (req.headers.host ?? '').split(':')[0] ?? '';
    const virtual = host !== '127.0.0.1' && host !== 'localhost' && host.includes('.') ? host.split('.')[0]! : undefined;
    const path = url.pathname.split('/').slice(1);
    const bucket = virtual ?? decodeURIComponent(path.shift() ?? '');
    const key = decodeURIComponent(path.join('/'));
    const call: S3SandboxCall = { requestId, operation: '', bucket, status: 0, at: (this.options.clock?.() ?? new Date()).toISOString() };
    this.calls.push(call);
    const body = await readBody(req);
    const auth = req.headers.authorization;
    const accessKey = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
    if (accessKey && this.options.principals?.[accessKey]) call.principalArn = this.options.principals[accessKey];
    const operation = operationOf(req.method ?? '', url, key);
    if (!operation || !bucket)
      return this.error(res, call, 'NotImplemented', 'A header or query you provided implies functionality that is not implemented', 501);
    call.operation = operation;
    if (!accessKey) return this.error(res, call, 'AccessDenied', 'Access Denied', 403);
    const index = this.failures.findIndex((f) => f.operation === operation || f.operation === '*');
    if (index >= 0) {
      const pending = this.failures[index]!;
      if (--pending.remaining <= 0) this.failures.splice(index, 1);
      call.injected = true;
      if ('network' in pending.failure) {
        if (pending.failure.network === 'reset') req.socket.destroy();
        else {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
        }
        return;
      }
      return this.error(
        res,
        call,
        pending.failure.code,
        pending.failure.message ?? `injected ${pending.failure.code}`,
        pending.failure.status,
      );
    }
    if (!this.buckets.has(bucket)) return this.error(res, call, 'NoSuchBucket', 'The specified bucket does not exist', 404);
    switch (operation) {
      case 'GetPublicAccessBlock': {
        const block = this.buckets.get(bucket);
        if (!block) {
          return this.error(res, call, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
        }
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<PublicAccessBlockConfiguration xmlns="${NS}">${FLAGS.map((f) => `<${API_NAMES[f]}>${block[f]}</${API_NAMES[f]}>`).join('')}</PublicAccessBlockConfiguration>`;
        return this.send(res, call, 200, xml);
      }
      case 'PutPublicAccessBlock': {
        const text = body.toString('utf8');
        if (!/<PublicAccessBlockConfiguration[\s>]/.test(text))
          return this.error(
            res,
            call,
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema',
            400,
          );
        const block = {} as PublicAccessBlock;
        for (const f of FLAGS) {
          const m = new RegExp(`<${API_NAMES[f]}>\\s*(true|false)\\s*</${API_NAMES[f]}>`).exec(text);
          block[f] = m?.[1] === 'true';
        }
        this.apply(bucket, block, call.principalArn);
        return this.send(res, call, 200, '');
      }
      case 'DeletePublicAccessBlock':
        this.apply(bucket, null, call.principalArn);
        return this.send(res, call, 204, '');
      case 'PutObject': {
        const objects = this.objects.get(bucket)!;
        const data = decodeChunked(req, body);
        const etag = `"${createHash('md5').update(data).digest('hex')}"`;
        if (req.headers['if-none-match'] === '*' && objects.has(key))
          return this.error(res, call, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
        objects.set(key, {
          body: data,
          etag,
          ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
          ...(withoutChunked(req.headers['content-encoding']) ? { contentEncoding: withoutChunked(req.headers['content-encoding']) } : {}),
          lastModified: this.options.clock?.() ?? new Date(),
        });
        return this.send(res, call, 200, '', { etag });
      }
      case 'GetObject':
      case 'HeadObject': {
        const obj = this.objects.get(bucket)!.get(key);
        if (!obj) return this.error(res, call, 'NoSuchKey', 'The specified key does not exist.', 404);
        call.status = 200;
        res.writeHead(200, {
          etag: obj.etag,
          'content-length': obj.body.length,
          'last-modified': obj.lastModified.toUTCString(),
          'x-amz-request-id': call.requestId,
          ...(obj.contentType ? { 'content-type': obj.contentType } : {}),
          ...(obj.contentEncoding ? { 'content-encoding': obj.contentEncoding } : {}),
        });
        return void res.end(operation === 'HeadObject' ? undefined : obj.body);
      }
      case 'ListObjectsV2':
        return this.send(res, call, 200, this.list(bucket, url.searchParams));
    }
  }

  private list(bucket: string, q: URLSearchParams): string {
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString() : (q.get('start-after') ?? '');
    const all = this.keys(bucket, prefix).filter((k) => k > after);
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    const contents = page
      .map((k) => {
        const o = this.objects.get(bucket)!.get(k)!;
        return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!).toString('base64url')}</NextContinuationToken>`
      : '';
    return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${NS}"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`;
  }

  private send(res: ServerResponse, call: S3SandboxCall, status: number, xml: string, headers: Record<string, string> = {}): void {
    call.status = status;
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(xml),
      'x-amz-request-id': call.requestId,
      ...headers,
    });
    res.end(xml);
  }

  private error(res: ServerResponse, call: S3SandboxCall, code: string, message: string, status: number): void {
    call.error = { code, message };
    this.send(
      res,
      call,
      status,
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${call.bucket ? `<BucketName>${call.bucket}</BucketName>` : ''}<RequestId>${call.requestId}</RequestId></Error>`,
    );
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function operationOf(method: string, url: URL, key: string): S3SandboxOperation | undefined {
  if (url.searchParams.has('publicAccessBlock')) {
    return ({ GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock', DELETE: 'DeletePublicAccessBlock' } as const)[method] as
      S3SandboxOperation | undefined;
  }
  if (key) return ({ PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject' } as const)[method] as S3SandboxOperation | undefined;
  if (method === 'GET' && url.searchParams.get('list-type') === '2') return 'ListObjectsV2';
  return undefined;
}

/** The Content-Encoding an object keeps: what was sent, without the transfer's `aws-chunked`. */
function withoutChunked(encoding: string | string[] | undefined): string | undefined {
  const parts = String(encoding ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p !== 'aws-chunked');
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** The payload of an `aws-chunked` body (hex size;chunk-signature lines, then trailers), else the body. */
function decodeChunked(req: IncomingMessage, raw: Buffer): Buffer {
  if (!String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) return raw;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
