/**
 * How the security-group kind's record shapes read in the API's OpenAPI document: the record's
 * `diff` (SecurityGroupDiff) and a difference's `detail` (one PermissionRule).
 */
import type { KindSchemas } from '../kind';

const peer = {
  type: 'object',
  required: ['kind'],
  description: 'where traffic comes from (ingress) or goes to (egress)',
  properties: {
    kind: { type: 'string', enum: ['ipv4', 'ipv6', 'prefixList', 'securityGroup'] },
    cidr: { type: 'string', description: 'ipv4, ipv6: canonical CIDR, e.g. 0.0.0.0/0' },
    prefixListId: { type: 'string', description: 'prefixList: pl-…' },
    groupId: { type: 'string', description: 'securityGroup: sg-…' },
    userId: { type: 'string', description: 'securityGroup: the owning account, when known' },
  },
};

const rule = {
  type: 'object',
  required: ['direction', 'protocol', 'fromPort', 'toPort', 'peer'],
  description: 'one normalised security group permission: one protocol, one port range, one peer',
  properties: {
    direction: { type: 'string', enum: ['ingress', 'egress'] },
    protocol: { type: 'string', description: '`tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or an IP protocol number' },
    fromPort: { type: 'integer', nullable: true, description: 'start of the port range (ICMP: type); null without ports' },
    toPort: { type: 'integer', nullable: true, description: 'end of the port range (ICMP: code); null without ports' },
    peer,
    description: { type: 'string' },
  },
};

export const securityGroupSchemas: KindSchemas = {
  diff: {
    type: 'object',
    required: ['equal', 'extra', 'missing', 'attributes'],
    description: 'a security group (resource.kind `security-group`): rules only live has (`extra`) and rules only the code has (`missing`)',
    properties: {
      equal: { type: 'boolean' },
      extra: {
        type: 'array',
        items: rule,
        description: 'in live, not in the code: a revert revokes them, a backport adds them to the code',
      },
      missing: {
        type: 'array',
        items: rule,
        description: 'in the code, not in live: a revert authorizes them, a backport removes them from the code',
      },
      attributes: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, live: {}, desired: {} } } },
    },
  },
  detail: rule,
};
