/**
 * How the network-ACL kind's record shapes read in the API's OpenAPI document: the record's
 * `diff` (NetworkAclDiff) and a difference's `detail` (the live and the code's entry at one key).
 */
import type { KindSchemas } from '../kind';

const entry = {
  type: 'object',
  required: ['direction', 'ruleNumber', 'protocol', 'action', 'cidr', 'fromPort', 'toPort', 'icmpType', 'icmpCode'],
  description: 'one network ACL entry: evaluated in increasing rule number per direction, the first match decides',
  properties: {
    direction: { type: 'string', enum: ['ingress', 'egress'] },
    ruleNumber: { type: 'integer', minimum: 1, maximum: 32766 },
    protocol: { type: 'string', description: 'IANA protocol number as text (`6` tcp, `17` udp, `1` icmp, `58` icmpv6), `-1` for all' },
    action: { type: 'string', enum: ['allow', 'deny'] },
    cidr: { type: 'string', description: 'canonical IPv4 or IPv6 CIDR' },
    fromPort: { type: 'integer', nullable: true, description: 'tcp/udp: start of the port range; null otherwise' },
    toPort: { type: 'integer', nullable: true },
    icmpType: { type: 'integer', nullable: true, description: 'icmp/icmpv6: type (-1 any); null otherwise' },
    icmpCode: { type: 'integer', nullable: true },
  },
};

export const networkAclSchemas: KindSchemas = {
  diff: {
    type: 'object',
    required: ['equal', 'extra', 'missing', 'changed', 'attributes'],
    description: 'a network ACL (resource.kind `network-acl`): entries only live has, only the code has, or that differ at the same number',
    properties: {
      equal: { type: 'boolean' },
      extra: {
        type: 'array',
        items: entry,
        description: 'in live, not in the code: a revert deletes them, a backport adds them to the code',
      },
      missing: {
        type: 'array',
        items: entry,
        description: 'in the code, not in live: a revert creates them, a backport removes them from the code',
      },
      changed: {
        type: 'array',
        items: { type: 'object', required: ['live', 'desired'], properties: { live: entry, desired: entry } },
        description: 'same number and direction, other content: a revert replaces live with the code',
      },
      attributes: { type: 'array', items: { type: 'object' } },
    },
  },
  detail: {
    type: 'object',
    description:
      'the entry live has (`live`) and the one the code declares (`desired`) at one number and direction; one of them may be absent',
    properties: { live: entry, desired: entry },
  },
};
