import { RedisKeys } from './keys';

describe('RedisKeys', () => {
  it('joins the base and the parts with colons; in cluster mode the base is a hash tag', () => {
    const keys = new RedisKeys('dw');
    expect(keys.key()).toBe('dw');
    expect(keys.key('drift', 'drf_1')).toBe('dw:drift:drf_1');
    expect(keys.key('res', '111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-1')).toBe(
      'dw:res:111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-1',
    );
    expect(keys.key('item', '')).toBe('dw:item:');
    const cluster = new RedisKeys('dw', { cluster: true });
    expect(cluster.key('drifts', 'status', 'held')).toBe('{dw}:drifts:status:held');
    expect(cluster.bullPrefix).toBe('{dw}:q');
  });
});
