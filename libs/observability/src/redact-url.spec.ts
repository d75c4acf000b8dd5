import { isSecretQueryName, redactQuery, redactRequest, redactUrl } from './redact-url';

describe('query redaction', () => {
  it.each([
    ['/v1/drifts?access_token=abc&limit=5', '/v1/drifts?access_token=[redacted]&limit=5'],
    ['/x?token=a&Token=b&TOKEN=c', '/x?token=[redacted]&Token=[redacted]&TOKEN=[redacted]'],
    [
      '/x?X-Amz-Signature=s&X-Amz-Credential=c&X-Amz-Date=20250101',
      '/x?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&X-Amz-Date=20250101',
    ],
    [
      '/x?api%5Fkey=k&apikey=k2&client_secret=s&password=p&code=c&sig=z',
      '/x?api%5Fkey=[redacted]&apikey=[redacted]&client_secret=[redacted]&password=[redacted]&code=[redacted]&sig=[redacted]',
    ],
    ['/x?githubToken=t&resource=sg-1&cursor=abc', '/x?githubToken=[redacted]&resource=sg-1&cursor=abc'],
    ['/x?token', '/x?token'],
    ['/x?%E0%A4%A=1&token=2', '/x?%E0%A4%A=1&token=[redacted]'],
    ['/x', '/x'],
    ['/x?a=1#token=2', '/x?a=1#token=2'],
  ])('%s', (url, expected) => expect(redactUrl(url)).toBe(expected));

  it('names of the API are not secret', () => {
    for (const name of ['status', 'resource', 'account', 'limit', 'cursor', 'since', 'type', 'drift', 'region'])
      expect(isSecretQueryName(name)).toBe(false);
  });

  it('redacts the parsed query and the Referer of a serialized request, keeping everything else', () => {
    const out = redactRequest({
      id: 'r1',
      method: 'GET',
      url: '/v1/x?token=a&b=1',
      query: { token: 'a', b: '1' },
      headers: { referer: 'https://c.example.com/?session=s', host: 'h' },
    });
    expect(out).toEqual({
      id: 'r1',
      method: 'GET',
      url: '/v1/x?token=[redacted]&b=1',
      query: { token: '[redacted]', b: '1' },
      headers: { referer: 'https://c.example.com/?session=[redacted]', host: 'h' },
    });
    expect(redactQuery(undefined)).toBeUndefined();
  });
});
