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

  /** What the entry kept before its compact form: the picked attributes through JSON. */
  const viaJson = (attributes: Record<string, unknown>, keys: readonly string[]): unknown =>
    JSON.parse(JSON.stringify(Object.fromEntries(keys.filter((k) => Object.hasOwn(attributes, k)).map((k) => [k, attributes[k]]))));
  const GROUP_KEYS = ['id', 'ingress', 'egress', 'tags', 'tags_all'];
  const rule = (k: number): Record<string, unknown> => ({
    cidr_blocks: [`10.${k}.0.0/24`],
    description: `rule ${k}`,
    from_port: 443 + k,
    ipv6_cidr_blocks: [],
    prefix_list_ids: [],
    protocol: 'tcp',
    security_groups: [],
    self: false,
    to_port: 443 + k,
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'inline blocks with every key',
      { ingress: [0, 1, 2, 3, 4].map(rule), egress: [rule(9)], tags: { Name: 'a' }, tags_all: { Name: 'a', env: 'p' } },
    ],
    [
      'blocks whose keys differ',
      {
        ingress: [rule(0), { protocol: 'tcp', from_port: 1 }],
        egress: [
          { b: 1, a: 2 },
          { a: 2, b: 1 },
        ],
      },
    ],
    ['empty, null, scalars, nested', { ingress: [], egress: null, tags: 'x', tags_all: [[1, 2], { a: [{ b: null }] }] }],
    ['arrays that are not all objects', { ingress: [rule(0), null], egress: [1, 'a', true], tags: [[], {}] }],
    [
      'objects without keys, nested rows',
      {
        ingress: [{}, {}],
        egress: [
          { a: { b: [1, { c: 'd' }] }, e: [] },
          { a: null, e: [{ f: 1 }] },
        ],
      },
    ],
    [
      'integer-like, odd and non-ASCII keys',
      {
        ingress: [
          { '1': 'a', b: 'c', '0': 'd' },
          { b: 'x', '0': 'y', '1': 'z' },
        ],
        egress: [{ 'a"b\\c\u0000': 'é☃', ':3': '' }],
      },
    ],
    [
      'a row with `__proto__`',
      JSON.parse('{"ingress": [{"__proto__": {"x": 1}, "a": 1}, {"__proto__": {"x": 2}, "a": 2}]}') as Record<string, unknown>,
    ],
    [
      'a cell JSON would drop',
      {
        ingress: [
          { a: 1, b: undefined },
          { a: 2, b: 3 },
        ],
        egress: undefined,
        tags: { a: undefined },
      },
    ],
    ['numbers', { ingress: [{ n: 1e21 }, { n: -0.5 }, { n: 2 ** 53 + 2 }], egress: [{ n: 0 }] }],
  ])('gives back exactly what JSON gave of the kept attributes: %s', (_name, attributes) => {
    const all = { id: 'sg-1', name: 'not kept', ...attributes };
    const entry = securityGroupEntry({
      stack: 's',
      address: 'aws_security_group.a',
      type: 'aws_security_group',
      tainted: false,
      attributes: all,
    });
    if (!entry) throw new Error('no entry');
    const expected = viaJson(all, GROUP_KEYS);
    expect(entry.attributes).toStrictEqual(expected);
    // The same keys in the same order, at every depth, and no prototype set from data.
    expect(JSON.stringify(entry.attributes)).toBe(JSON.stringify(expected));
    for (const row of [entry.attributes['ingress'], entry.attributes['egress']].flat())
      if (typeof row === 'object' && row !== null && !Array.isArray(row)) expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  it('keeps rule resources whole, absent and null attributes as JSON has them', () => {
    const attributes = {
      security_group_id: 'sg-1',
      ip_protocol: 'tcp',
      from_port: 80,
      to_port: 80,
      cidr_ipv4: null,
      referenced_security_group_id: 'sg-2',
      description: 'web',
      tags: { not: 'kept' },
    };
    const entry = securityGroupEntry({
      stack: 's',
      address: 'aws_vpc_security_group_ingress_rule.r',
      type: 'aws_vpc_security_group_ingress_rule',
      tainted: false,
      attributes,
    });
    const keys = [
      'security_group_id',
      'ip_protocol',
      'from_port',
      'to_port',
      'cidr_ipv4',
      'cidr_ipv6',
      'prefix_list_id',
      'referenced_security_group_id',
      'description',
    ];
    expect(JSON.stringify(entry?.attributes)).toBe(JSON.stringify(viaJson(attributes, keys)));
  });
});
