import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { mockClient } from 'aws-sdk-client-mock';
import { S3StateSource, s3StateObjectKey } from './s3-state-source.adapter';

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

function serviceError(name: string, status: number, extra: Record<string, unknown> = {}): S3ServiceException {
  return Object.assign(new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` }), extra);
}

const location = { bucket: 'tf-state', key: 'network/terraform.tfstate', region: 'eu-west-1' };

beforeEach(() => s3Mock.reset());

describe('S3StateSource', () => {
  it('reads the object at bucket/key and returns its ETag as the version', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body('{"version":4}'), ETag: '"etag-1"' });
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    expect(source.origin).toBe('s3://tf-state/network/terraform.tfstate');
    await expect(source.read()).resolves.toEqual({ status: 'changed', body: '{"version":4}', version: '"etag-1"' });
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'tf-state', Key: 'network/terraform.tfstate' }]);
  });

  it('reads a workspace at env:/<workspace>/<key>; "default" is the plain key', async () => {
    expect(s3StateObjectKey('network/terraform.tfstate', 'staging')).toBe('env:/staging/network/terraform.tfstate');
    expect(s3StateObjectKey('network/terraform.tfstate', 'default')).toBe('network/terraform.tfstate');
    s3Mock.on(GetObjectCommand).resolves({ Body: s3Body('{}'), ETag: '"e"' });
    const source = new S3StateSource({ ...location, workspace: 'staging' }, new S3Client({ region: 'eu-west-1' }));
    await source.read();
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'tf-state', Key: 'env:/staging/network/terraform.tfstate' });
    expect(source.origin).toBe('s3://tf-state/env:/staging/network/terraform.tfstate');
  });

  it('sends IfNoneMatch with the cached ETag; 304 Not Modified means unchanged', async () => {
    s3Mock.on(GetObjectCommand).rejects(serviceError('NotModified', 304));
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    await expect(source.read('"etag-1"')).resolves.toEqual({ status: 'unchanged', version: '"etag-1"' });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({ Bucket: 'tf-state', Key: 'network/terraform.tfstate', IfNoneMatch: '"etag-1"' });
  });

  it('returns the new body and ETag when the object changed', async () => {
    s3Mock.on(GetObjectCommand, { IfNoneMatch: '"etag-1"' }).resolves({ Body: s3Body('{"serial":2}'), ETag: '"etag-2"' });
    const source = new S3StateSource(location, new S3Client({ region: 'eu-west-1' }));
    await expect(source.read('"etag-1"')).resolves.toEqual({ status: 'changed', body: '{"serial":2}', version: '"etag-2"' });
  });

  it.each([
    { name: 'AccessDenied (403)', err: serviceError('AccessDenied', 403), transient: false, code: 's3_access_denied' },
    { name: 'NoSuchKey (404)', err: new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }), transient: false, code: 's3_not_found' },
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
