/**
 * The S3 sandbox: a real HTTP server (node:http on 127.0.0.1) answering a bucket's public access
 * block as S3's REST API does, for @aws-sdk/client-s3 pointed at it (`endpoint`, or
 * `AWS_ENDPOINT_URL_S3`): `GET /{bucket}?publicAccessBlock` (GetPublicAccessBlock),
 * `PUT /{bucket}?publicAccessBlock` (PutPublicAccessBlock), `DELETE /{bucket}?publicAccessBlock`;
 * path-style or virtual-hosted (`{bucket}.host`). Anything else is 501 NotImplemented.
 *
 * Errors are S3's: `NoSuchBucket` (404), `NoSuchPublicAccessBlockConfiguration` (404) for a
 * bucket without a block, `AccessDenied` (403) for an unsigned request, `MalformedXML` (400).
 * Like the EC2 sandbox it records every call, reports each change (`onChange`, in CloudTrail's
 * names: PutBucketPublicAccessBlock / DeleteBucketPublicAccessBlock), lets a "human" change a
 * block out of band (`setBlock`), and injects failures (`failNext`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FLAGS, API_NAMES, type PublicAccessBlock } from '@driftwarden/kinds/s3-bucket';

export type S3SandboxOperation = 'GetPublicAccessBlock' | 'PutPublicAccessBlock' | 'DeletePublicAccessBlock';

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
    const bucket = virtual ?? decodeURIComponent(url.pathname.split('/')[1] ?? '');
    const call: S3SandboxCall = { requestId, operation: '', bucket, status: 0, at: (this.options.clock?.() ?? new Date()).toISOString() };
    this.calls.push(call);
    const body = await readBody(req);
    const auth = req.headers.authorization;
    const accessKey = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
    if (accessKey && this.options.principals?.[accessKey]) call.principalArn = this.options.principals[accessKey];
    const operation: S3SandboxOperation | undefined = url.searchParams.has('publicAccessBlock')
      ? (({ GET: 'GetPublicAccessBlock', PUT: 'PutPublicAccessBlock', DELETE: 'DeletePublicAccessBlock' } as const)[req.method ?? ''] as
          S3SandboxOperation | undefined)
      : undefined;
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
        if (!/<PublicAccessBlockConfiguration[\s>]/.test(body))
          return this.error(
            res,
            call,
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema',
            400,
          );
        const block = {} as PublicAccessBlock;
        for (const f of FLAGS) {
          const m = new RegExp(`<${API_NAMES[f]}>\\s*(true|false)\\s*</${API_NAMES[f]}>`).exec(body);
          block[f] = m?.[1] === 'true';
        }
        this.apply(bucket, block, call.principalArn);
        return this.send(res, call, 200, '');
      }
      case 'DeletePublicAccessBlock':
        this.apply(bucket, null, call.principalArn);
        return this.send(res, call, 204, '');
    }
  }

  private send(res: ServerResponse, call: S3SandboxCall, status: number, xml: string): void {
    call.status = status;
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(xml),
      'x-amz-request-id': call.requestId,
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
