import { createCloudTrailClientFor } from './cloudtrail-lookup.adapter';

describe('createCloudTrailClientFor', () => {
  it('one client per region with the ambient credentials', () => {
    const clientFor = createCloudTrailClientFor(1_000);
    expect(clientFor('eu-west-1', '111122223333')).toBe(clientFor('eu-west-1', '444455556666'));
    expect(clientFor('eu-west-1', '111122223333')).not.toBe(clientFor('us-east-1', '111122223333'));
  });

  it('cross-account: one client per account and region, signing with the credentials of that account', async () => {
    const asked: string[] = [];
    const clientFor = createCloudTrailClientFor(1_000, ({ account, region }) => {
      asked.push(`${account}/${region}`);
      return async () => ({ accessKeyId: `ASIA-${account}`, secretAccessKey: 'x', sessionToken: 't' });
    });
    const a = clientFor('eu-west-1', '111122223333');
    const b = clientFor('eu-west-1', '444455556666');
    expect(a).not.toBe(b);
    expect(clientFor('eu-west-1', '111122223333')).toBe(a);
    expect(asked).toEqual(['111122223333/eu-west-1', '444455556666/eu-west-1']);
    expect((await a.config.credentials()).accessKeyId).toBe('ASIA-111122223333');
    expect((await b.config.credentials()).accessKeyId).toBe('ASIA-444455556666');
  });
});
