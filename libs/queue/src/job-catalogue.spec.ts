import { jobIdFrom } from './job-catalogue';

describe('jobIdFrom', () => {
  it.each([
    [['res', '111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-1'], 'res-111122223333_eu-west-1_AWS__EC2__SecurityGroup_sg-1'],
    [['rem', 'drf_abc', 'ci_123'], 'rem-drf_abc-ci_123'],
    [['42'], 'j-42'],
  ])('builds a BullMQ-safe id from %j', (parts, expected) => {
    const id = jobIdFrom(...parts);
    expect(id).toBe(expected);
    expect(id).not.toContain(':');
    expect(/^\d+$/.test(id)).toBe(false);
  });
});
