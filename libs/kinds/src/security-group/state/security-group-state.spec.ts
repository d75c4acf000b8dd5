import { locationFromArn, securityGroupEntry } from './security-group-state';

describe('locationFromArn', () => {
  it.each([
    ['arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1', { region: 'eu-west-1', account: '111122223333' }],
    ['arn:aws:lambda:us-east-1:111122223333:function:f:live', { region: 'us-east-1', account: '111122223333' }],
    ['arn:aws-cn:ec2:cn-north-1:111122223333:vpc/vpc-1', { region: 'cn-north-1', account: '111122223333' }],
    ['arn:aws:iam::111122223333:role/r', { account: '111122223333' }],
    ['arn:aws:s3:::bucket', {}],
    ['arn:aws:ec2:eu-west-1', {}],
    ['sg-1', {}],
    ['', {}],
  ])('%s → %j', (arn, location) => {
    expect(locationFromArn(arn)).toEqual(location);
  });
});

describe('securityGroupEntry', () => {
  it("keeps the rule readers' attributes as text: each read is a fresh copy, the entry otherwise a plain object", () => {
    const entry = securityGroupEntry({
      stack: 's',
      address: 'aws_security_group.a',
      type: 'aws_security_group',
      tainted: false,
      attributes: {
        id: 'sg-1',
        arn: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1',
        name: 'a',
        ingress: [{ protocol: 'tcp' }],
        egress: [],
        tags: { a: 'b' },
      },
    });
    if (!entry) throw new Error('no entry');
    expect(entry.attributes).toEqual({ id: 'sg-1', ingress: [{ protocol: 'tcp' }], egress: [], tags: { a: 'b' } });
    expect(entry.attributes).not.toBe(entry.attributes);
    const { attributes: _attributes, ...rest } = entry;
    expect(rest).toEqual({
      stack: 's',
      address: 'aws_security_group.a',
      location: { region: 'eu-west-1', account: '111122223333' },
      tainted: false,
      kind: 'security_group',
      resourceType: 'aws_security_group',
      groupId: 'sg-1',
    });
    expect(
      securityGroupEntry({ stack: 's', address: 'aws_instance.a', type: 'aws_instance', tainted: false, attributes: { id: 'i-1' } }),
    ).toBeUndefined();
    expect(
      securityGroupEntry({
        stack: 's',
        address: 'aws_security_group_rule.r',
        type: 'aws_security_group_rule',
        tainted: false,
        attributes: { id: 'x' },
      }),
    ).toBeUndefined();
  });
});
