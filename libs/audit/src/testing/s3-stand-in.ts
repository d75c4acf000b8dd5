import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type S3Failure = { status: number; code: string } | 'hang' | 'reset';

/**
 * A local stand-in for the S3 calls driftwarden makes (PutObject, GetObject, ListObjectsV2,
 * HeadObject), path-style (`/bucket/key`), over real HTTP: point the client at it with
 * `endpoint` + `forcePathStyle` (or AWS_ENDPOINT_URL_S3). Bodies sent with the SDK's
 * `aws-chunked` content encoding (flexible checksums as a trailer) are decoded. With
 * `objectLock` a key once written cannot be overwritten with other bytes (write-once, like a
 * bucket in compliance mode where every write is a new version that can never be removed).
 */
export class S3StandIn {
  private server: Server | null = null;
  readonly objects = new Map<string, { body: Buffer; etag: string; contentType?: string; contentEncoding?: string; lastModified: Date }>();
  readonly requests: { method: string; path: string }[] = [];
  private failures: S3Failure[] = [];
  url = '';

  constructor(
    readonly bucket: string,
    private readonly options: { objectLock?: boolean } = {},
  ) {}

  failNext(...failures: S3Failure[]): void {
    this.failures.push(...failures);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests.push({ method: req.method ?? '', path: url.pathname });
    const failure = this.failures.shift();
    if (failure === 'hang') return;
    if (failure === 'reset') return void req.socket.destroy();
    if (failure) return this.error(res, failure.status, failure.code);
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (bucket !== this.bucket) return this.error(res, 404, 'NoSuchBucket');
    if (req.method === 'PUT' && key) {
      const body = decodeBody(req, Buffer.concat(chunks));
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      const existing = this.objects.get(key);
      if (this.options.objectLock && existing && existing.etag !== etag) return this.error(res, 403, 'AccessDenied');
      if (req.headers['if-none-match'] === '*' && existing) return this.error(res, 412, 'PreconditionFailed');
      this.objects.set(key, {
        body,
        etag,
        contentType: req.headers['content-type'],
        contentEncoding: stripChunked(req.headers['content-encoding']),
        lastModified: new Date(),
      });
      res.writeHead(200, { etag });
      return void res.end();
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && key) {
      const obj = this.objects.get(key);
      if (!obj) return this.error(res, 404, 'NoSuchKey', req.method === 'HEAD');
      res.writeHead(200, {
        etag: obj.etag,
        'content-length': obj.body.length,
        'last-modified': obj.lastModified.toUTCString(),
        ...(obj.contentType ? { 'content-type': obj.contentType } : {}),
        ...(obj.contentEncoding ? { 'content-encoding': obj.contentEncoding } : {}),
      });
      return void res.end(req.method === 'HEAD' ? undefined : obj.body);
    }
    if (req.method === 'GET' && !key && url.searchParams.get('list-type') === '2') return this.list(res, url.searchParams);
    return this.error(res, 405, 'MethodNotAllowed');
  }

  private list(res: ServerResponse, q: URLSearchParams): void {
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
    const after = q.get('continuation-token')
      ? Buffer.from(q.get('continuation-token')!, 'base64url').toString()
      : (q.get('start-after') ?? '');
    const all = this.keys(prefix).filter((k) => k > after);
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    const contents = page
      .map((k) => {
        const o = this.objects.get(k)!;
        return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]).toString('base64url')}</NextContinuationToken>`
      : '';
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${this.bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
    );
  }

  private error(res: ServerResponse, status: number, code: string, head = false): void {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'STANDIN' });
    res.end(
      head
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>STANDIN</RequestId></Error>`,
    );
  }
}

function stripChunked(encoding: string | string[] | undefined): string | undefined {
  const parts = String(encoding ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p !== 'aws-chunked');
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** The payload of an `aws-chunked` body (hex size;chunk-signature lines, then trailers), else the body. */
function decodeBody(req: IncomingMessage, raw: Buffer): Buffer {
  if (!String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) return raw;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
