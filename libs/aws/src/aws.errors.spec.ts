import { ConfigServiceServiceException } from '@aws-sdk/client-config-service';
import { NoSuchKey } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { classifyAwsError, mapAwsError } from './aws.errors';

function serviceError(name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client') {
  return new ConfigServiceServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: `${name} happened` });
}
function nodeError(code: string, name = 'Error'): Error {
  return Object.assign(new Error(`socket ${code}`), { code, name });
}

describe('classifyAwsError / mapAwsError', () => {
  it.each([
    { name: 'ThrottlingException (400, JSON protocol)', err: serviceError('ThrottlingException', 400), kind: 'throttled', transient: true },
    { name: 'any 429', err: serviceError('Whatever', 429), kind: 'throttled', transient: true },
    { name: 'S3 SlowDown (503)', err: serviceError('SlowDown', 503), kind: 'throttled', transient: true },
    { name: 'ServiceUnavailable 503', err: serviceError('ServiceUnavailable', 503), kind: 'server_error', transient: true },
    { name: 'InternalFailure 500', err: serviceError('InternalFailure', 500), kind: 'server_error', transient: true },
    { name: 'SDK request timeout', err: Object.assign(new Error('timed out'), { name: 'TimeoutError' }), kind: 'timeout', transient: true },
    { name: 'ECONNRESET', err: nodeError('ECONNRESET'), kind: 'network', transient: true },
    { name: 'ENOTFOUND', err: nodeError('ENOTFOUND'), kind: 'network', transient: true },
    { name: 'ExpiredToken', err: serviceError('ExpiredToken', 400), kind: 'expired_credentials', transient: true },
    // What the SDK's default chain throws with no credentials anywhere (a laptop dry-run): a configuration error.
    {
      name: 'no credentials at all',
      err: Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      kind: 'missing_credentials',
      transient: false,
    },
    {
      name: 'a provider that failed for now',
      err: Object.assign(new Error('Error response received from instance metadata service'), { name: 'CredentialsProviderError' }),
      kind: 'expired_credentials',
      transient: true,
    },
    { name: 'aborted', err: Object.assign(new Error('aborted'), { name: 'AbortError' }), kind: 'aborted', transient: true },
    { name: 'a plain Error', err: new Error('boom'), kind: 'unknown', transient: true },
    { name: 'AccessDeniedException (400)', err: serviceError('AccessDeniedException', 400), kind: 'access_denied', transient: false },
    { name: 'S3 AccessDenied (403)', err: serviceError('AccessDenied', 403), kind: 'access_denied', transient: false },
    {
      name: 'S3 NoSuchKey',
      err: new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }),
      kind: 'not_found',
      transient: false,
    },
    {
      name: 'NoAvailableConfigurationRecorderException',
      err: serviceError('NoAvailableConfigurationRecorderException', 400),
      kind: 'not_found',
      transient: false,
    },
    { name: 'ValidationException', err: serviceError('ValidationException', 400), kind: 'invalid_request', transient: false },
  ])('$name → $kind', ({ err, kind, transient }) => {
    expect(classifyAwsError(err)).toBe(kind);
    const mapped = mapAwsError(err, { service: 'config', operation: 'BatchGetResourceConfig' });
    expect(mapped).toBeInstanceOf(transient ? TransientError : PermanentError);
    expect(mapped.code).toBe(`config_${kind}`);
    expect(mapped.cause).toBe(err);
    expect(mapped.message).toMatch(/^config BatchGetResourceConfig failed \(/);
  });

  it('passes domain errors through', () => {
    const err = new PermanentError('x', 'config_item_malformed');
    expect(mapAwsError(err, { service: 's3', operation: 'GetObject' })).toBe(err);
  });
});
