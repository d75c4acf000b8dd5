import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure the next request(s) get instead of an answer. */
export type KmsFailure = { status: number; type: string; message?: string } | 'hang' | 'malformed';

/**
 * A local stand-in for AWS KMS `Sign` and `Verify` over real HTTP (the AWS JSON 1.1 protocol the
 * SDK speaks: POST /, `X-Amz-Target: TrentService.<Op>`), with real ECDSA P-256 keys. Like KMS,
 * it answers a signature that does not verify with `KMSInvalidSignatureException` (HTTP 400).
 */
export class KmsStandIn {
  private server: Server | null = null;
  private readonly keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
  private failures: KmsFailure[] = [];
  readonly calls: { op: string; keyId: string }[] = [];
  url = '';

  /** Creates an ECC_NIST_P256 signing key; returns its id. */
  createKey(keyId: string): string {
    this.keys.set(keyId, generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    return keyId;
  }

  failNext(...failures: KmsFailure[]): void {
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.replace(/^TrentService\./, '');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.error(res, 400, 'SerializationException', 'body is not JSON');
    }
    const keyId = String(body.KeyId ?? '');
    this.calls.push({ op, keyId });
    const failure = this.failures.shift();
    if (failure === 'hang') return; // never answers: the client's timeout must end the call
    if (failure === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return void res.end('{"Signature": ');
    }
    if (failure) return this.error(res, failure.status, failure.type, failure.message ?? failure.type);
    const key = this.keys.get(keyId);
    if (!key) return this.error(res, 400, 'NotFoundException', `Key '${keyId}' does not exist`);
    if (body.SigningAlgorithm !== 'ECDSA_SHA_256')
      return this.error(res, 400, 'InvalidKeyUsageException', 'unsupported signing algorithm for this key');
    if (body.MessageType !== 'RAW') return this.error(res, 400, 'ValidationException', 'this stand-in signs RAW messages only');
    const message = Buffer.from(String(body.Message ?? ''), 'base64');
    if (message.length === 0 || message.length > 4096)
      return this.error(res, 400, 'ValidationException', 'Message must be 1 to 4096 bytes');
    if (op === 'Sign') {
      const signature = sign('sha256', message, key.privateKey);
      return this.ok(res, { KeyId: keyId, Signature: signature.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' });
    }
    if (op === 'Verify') {
      const signature = Buffer.from(String(body.Signature ?? ''), 'base64');
      let valid: boolean;
      try {
        valid = verify('sha256', message, key.publicKey, signature);
      } catch {
        valid = false; // not a DER signature at all
      }
      if (!valid) return this.error(res, 400, 'KMSInvalidSignatureException', '');
      return this.ok(res, { KeyId: keyId, SignatureValid: true, SigningAlgorithm: 'ECDSA_SHA_256' });
    }
    return this.error(res, 400, 'UnknownOperationException', `unknown operation ${target}`);
  }

  private ok(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId() });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type, 'x-amzn-requestid': requestId() });
    res.end(JSON.stringify({ __type: type, message }));
  }
}

let counter = 0;
function requestId(): string {
  return createHash('sha256').update(String(counter++)).digest('hex').slice(0, 32);
}
