import { formatResourceAddress, parseResourceAddress } from './resource-address';

describe('parseResourceAddress', () => {
  it.each([
    ['aws_security_group.workers', { modules: [], mode: 'managed', type: 'aws_security_group', name: 'workers' }],
    ['module.net.aws_security_group.this', { modules: [{ name: 'net' }], mode: 'managed', type: 'aws_security_group', name: 'this' }],
    [
      'module.web["eu.west"].module.sg[0].aws_vpc_security_group_ingress_rule.office["ssh"]',
      {
        modules: [
          { name: 'web', index: '"eu.west"' },
          { name: 'sg', index: '0' },
        ],
        mode: 'managed',
        type: 'aws_vpc_security_group_ingress_rule',
        name: 'office',
        index: '"ssh"',
      },
    ],
    ['data.aws_vpc.main', { modules: [], mode: 'data', type: 'aws_vpc', name: 'main' }],
  ])('%s', (address, parsed) => {
    expect(parseResourceAddress(address)).toEqual(parsed);
    expect(formatResourceAddress(parseResourceAddress(address)!)).toBe(address);
  });

  it.each(['', 'aws_security_group', 'module.x', 'aws_security_group.workers.', 'aws_security_group.w[0', 'a.b c'])(
    'rejects %j',
    (address) => {
      expect(parseResourceAddress(address)).toBeUndefined();
    },
  );
});
