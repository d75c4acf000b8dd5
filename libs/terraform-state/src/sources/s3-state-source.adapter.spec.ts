import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { mockClient } from 'aws-sdk-client-mock';
import { S3StateSource, s3StateObjectKey } from './s3-state-source.adapter';
import type { StateReadResult } from './state-source.port';

/** The body of a changed read, as text (the body is a stream of chunks). */
async function text(result: StateReadResult): Promise<string> {
  if (result.status !== 'changed') throw new Error(`expected changed, got ${result.status}`);
  const { body } = result;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const s3Mock = mockClient(S3Client);

function s3Body(text: string): NonNullable<GetObjectCommandOutput['Body']> {
  const bytes = Buffer.from(text, 'utf8');
  return Object.assign(Readable.from([bytes]), {
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToString: async (encoding?: string) => bytes.toString((encoding ?? 'utf8') as BufferEncoding),
    transformToWebStream: (): never => {
      throw new Error('not used');
    },
  });
}

const notUsed = (): never => {
  throw new Error('not used: the body is streamed');
};

function serviceError(name: string, status: number, extra: Record<string, unknown> = {}): S3ServiceException {
  return Object.assign(
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: `${name} happened`,
    }),
    extra,
  );
}

const location = { bucket: 'tf-state', key: 'network/terraform.tfstate', region: 'eu-west-1' };

beforeEach(() => s3Mock.reset());

describe('S3StateSource', () => {
  it('reads the object at bucket/key and returns its ETag as the version', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body('{"version":4}'), ETag: '"etag-1"' });
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    expect(source.origin).toBe('s3://tf-state/network/terraform.tfstate');
    const result = await source.read();
    expect(result).toMatchObject({ status: 'changed', version: '"etag-1"' });
    await expect(text(result)).resolves.toBe('{"version":4}');
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'tf-state', Key: 'network/terraform.tfstate' },
    ]);
  });

  it('reads a workspace at env:/<workspace>/<key>; "default" is the plain key', async () => {
    expect(s3StateObjectKey('network/terraform.tfstate', 'staging')).toBe('env:/staging/network/terraform.tfstate');
    expect(s3StateObjectKey('network/terraform.tfstate', 'default')).toBe('network/terraform.tfstate');
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body('{}'), ETag: '"e"' });
    const source = new S3StateSource({ ...location, workspace: 'staging' }, new S3Client({ region: 'eu-west-1' }));
    await source.read();
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'tf-state',
      Key: 'env:/staging/network/terraform.tfstate',
    });
    expect(source.origin).toBe('s3://tf-state/env:/staging/network/terraform.tfstate');
  });

  it('sends IfNoneMatch with the cached ETag; 304 Not Modified means unchanged', async () => {
    s3Mock.on(GetObjectCommand).rejects(serviceError('NotModified', 304));
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    await expect(source.read('"etag-1"')).resolves.toEqual({ status: 'unchanged', version: '"etag-1"' });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'tf-state',
      Key: 'network/terraform.tfstate',
      IfNoneMatch: '"etag-1"',
    });
  });

  it('returns the new body and ETag when the object changed', async () => {
    s3Mock.on(GetObjectCommand, { IfNoneMatch: '"etag-1"' }).resolves({ Body: s3Body('{"serial":2}'), ETag: '"etag-2"' });
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    const result = await source.read('"etag-1"');
    expect(result).toMatchObject({ status: 'changed', version: '"etag-2"' });
    await expect(text(result)).resolves.toBe('{"serial":2}');
  });

  it('streams the body (never as one string) and reports ContentLength as its size', async () => {
    const chunks = ['{"version":4,', '"serial":3}'].map((c) => Buffer.from(c));
    const body = Object.assign(Readable.from(chunks), {
      transformToByteArray: notUsed,
      transformToString: notUsed,
      transformToWebStream: notUsed,
    });
    s3Mock.on(GetObjectCommand).resolves({ Body: body, ETag: '"e"', ContentLength: 24 });
    const result = await new S3StateSource(location, new S3Client({ region: 'eu-west-1' })).read();
    expect(result).toMatchObject({ status: 'changed', size: 24 });
    await expect(text(result)).resolves.toBe('{"version":4,"serial":3}');
  });

  it.each([
    { name: 'a reset connection', err: Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), code: 's3_network' },
    { name: 'a socket timeout', err: Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), code: 's3_timeout' },
  ])('maps $name half-way through the body to a transient $code error', async ({ err, code }) => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('{"version":4,'));
    const body = Object.assign(stream, { transformToByteArray: notUsed, transformToString: notUsed, transformToWebStream: notUsed });
    s3Mock.on(GetObjectCommand).resolves({ Body: body, ETag: '"e"' });
    const result = await new S3StateSource(location, new S3Client({ region: 'eu-west-1' })).read();
    if (result.status !== 'changed') throw new Error('expected changed');
    const iterator = (result.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toMatchObject({ done: false });
    stream.destroy(err);
    const caught = await iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(caught).toBeInstanceOf(TransientError);
    expect(caught).toMatchObject({ code, cause: err });
    expect((caught as Error).message).toContain('GetObject s3://tf-state/network/terraform.tfstate');
  });

  it('destroying a body that will not be read releases the SDK stream', async () => {
    const stream = new Readable({ read() {} });
    const body = Object.assign(stream, { transformToByteArray: notUsed, transformToString: notUsed, transformToWebStream: notUsed });
    s3Mock.on(GetObjectCommand).resolves({ Body: body, ETag: '"e"', ContentLength: 10 });
    const result = await new S3StateSource(location, new S3Client({ region: 'eu-west-1' })).read();
    if (result.status !== 'changed') throw new Error('expected changed');
    (result.body as unknown as { destroy: () => void }).destroy();
    expect(stream.destroyed).toBe(true);
  });

  it.each([
    { name: 'AccessDenied (403)', err: serviceError('AccessDenied', 403), transient: false, code: 's3_access_denied' },
    {
      name: 'NoSuchKey (404)',
      err: new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }),
      transient: false,
      code: 's3_not_found',
    },
    { name: 'SlowDown (503)', err: serviceError('SlowDown', 503), transient: true, code: 's3_throttled' },
    { name: 'ThrottlingException', err: serviceError('ThrottlingException', 400), transient: true, code: 's3_throttled' },
    { name: 'InternalError (500)', err: serviceError('InternalError', 500), transient: true, code: 's3_server_error' },
    { name: 'socket reset', err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), transient: true, code: 's3_network' },
  ])('maps $name to a $code error', async ({ err, transient, code }) => {
    s3Mock.on(GetObjectCommand).rejects(err);
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    const caught = await source.read('"etag-1"').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(caught).toBeInstanceOf(transient ? TransientError : PermanentError);
    expect((caught as TransientError).code).toBe(code);
    expect((caught as Error).message).toContain('GetObject s3://tf-state/network/terraform.tfstate');
    expect((caught as Error).cause).toBe(err);
  });

  it('treats a 304 to an unconditional read as an error (nothing is cached), and a missing body as permanent', async () => {
    s3Mock.on(GetObjectCommand).rejects(serviceError('NotModified', 304));
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    await expect(source.read()).rejects.toMatchObject({ code: 's3_invalid_request' });
    s3Mock.reset();
    s3Mock.on(GetObjectCommand).resolves({});
    await expect(source.read()).rejects.toThrow(/has no body/);
    await expect(source.read()).rejects.toBeInstanceOf(PermanentError);
  });
});
