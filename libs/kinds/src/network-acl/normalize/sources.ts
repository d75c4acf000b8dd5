/**
 * Network ACL entries from each source, into the one model (model/entry.ts):
 * - the Config item's `configuration` (AWS::EC2::NetworkAcl, camelCase as DescribeNetworkAcls:
 *   `entries[].{ruleNumber, egress, protocol, ruleAction, cidrBlock|ipv6CidrBlock, portRange{from,to},
 *   icmpTypeCode{type,code}}`, associations observed only);
 * - the EC2 SDK (`NetworkAclEntry`, PascalCase);
 * - CloudTrail requests (`networkAclId, ruleNumber, egress, ruleAction, aclProtocol|protocol,
 *   cidrBlock|ipv6CidrBlock, portRange{from,to}, icmpTypeCode{type,code}`; values may be text);
 * - Terraform state (`aws_network_acl`/`aws_default_network_acl` inline `ingress`/`egress`, and
 *   `aws_network_acl_rule`).
 * The implicit default deny (rule 32767, `*`) is dropped everywhere: no API can change it.
 */
import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import { PermanentError, type JsonObject } from '@driftwarden/domain';
import { DEFAULT_RULE_NUMBER, makeEntry, type AclDirection, type NaclEntry } from '../model/entry';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bool(value: unknown, where: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new PermanentError(`${where}: expected egress true or false, got ${JSON.stringify(value)}`, 'nacl_bad_entry');
}

const isDefaultRule = (n: unknown) => Number(n) === DEFAULT_RULE_NUMBER;

/** The entries of a Config item's `configuration` (AWS::EC2::NetworkAcl). */
export function entriesFromConfiguration(configuration: JsonObject): NaclEntry[] {
  const raw = (configuration as Obj)['entries'];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new PermanentError('configuration.entries: expected an array', 'nacl_bad_entry');
  const out: NaclEntry[] = [];
  raw.forEach((e: unknown, i) => {
    const where = `configuration.entries[${i}]`;
    if (!isObj(e)) throw new PermanentError(`${where}: expected an object`, 'nacl_bad_entry');
    if (isDefaultRule(e['ruleNumber'])) return;
    const ports = isObj(e['portRange']) ? e['portRange'] : {};
    const icmp = isObj(e['icmpTypeCode']) ? e['icmpTypeCode'] : {};
    out.push(
      makeEntry(
        {
          direction: bool(e['egress'], where) ? 'egress' : 'ingress',
          ruleNumber: e['ruleNumber'],
          protocol: e['protocol'],
          action: e['ruleAction'],
          cidrBlock: e['cidrBlock'],
          ipv6CidrBlock: e['ipv6CidrBlock'],
          fromPort: ports['from'],
          toPort: ports['to'],
          icmpType: icmp['type'],
          icmpCode: icmp['code'],
        },
        where,
      ),
    );
  });
  return out;
}

/** The subnets associated with the ACL (observed only: never diffed, never changed). */
export function associatedSubnets(configuration: JsonObject | null): string[] {
  const raw = configuration ? (configuration as Obj)['associations'] : undefined;
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObj).flatMap((a) => (typeof a['subnetId'] === 'string' ? [a['subnetId']] : []));
}

/** The entries of a DescribeNetworkAcls answer. */
export function entriesFromSdk(entries: readonly NetworkAclEntry[] | undefined, aclId: string): NaclEntry[] {
  return (entries ?? []).flatMap((e, i) =>
    isDefaultRule(e.RuleNumber)
      ? []
      : [
          makeEntry(
            {
              direction: e.Egress ? 'egress' : 'ingress',
              ruleNumber: e.RuleNumber,
              protocol: e.Protocol,
              action: e.RuleAction,
              cidrBlock: e.CidrBlock,
              ipv6CidrBlock: e.Ipv6CidrBlock,
              fromPort: e.PortRange?.From,
              toPort: e.PortRange?.To,
              icmpType: e.IcmpTypeCode?.Type,
              icmpCode: e.IcmpTypeCode?.Code,
            },
            `DescribeNetworkAcls ${aclId} entry ${i}`,
          ),
        ],
  );
}

/** The SDK parameters of Create/ReplaceNetworkAclEntry for an entry. */
export function toEntryParameters(aclId: string, e: NaclEntry) {
  return {
    NetworkAclId: aclId,
    RuleNumber: e.ruleNumber,
    Egress: e.direction === 'egress',
    Protocol: e.protocol,
    RuleAction: e.action,
    ...(e.cidr.includes(':') ? { Ipv6CidrBlock: e.cidr } : { CidrBlock: e.cidr }),
    ...(e.fromPort !== null && e.toPort !== null ? { PortRange: { From: e.fromPort, To: e.toPort } } : {}),
    ...(e.icmpType !== null ? { IcmpTypeCode: { Type: e.icmpType, Code: e.icmpCode ?? -1 } } : {}),
  };
}

/** What a CloudTrail call names: the entry key (direction and number), and the whole entry when the call sets one. */
export interface CallEntry {
  direction: AclDirection;
  ruleNumber: number;
  entry?: NaclEntry;
}

/** The entry a Create/Replace/DeleteNetworkAclEntry request names. Throws (PermanentError) when it cannot be read. */
export function entryFromCloudTrail(eventName: string, params: Obj | null): CallEntry {
  const where = `${eventName} requestParameters`;
  if (!params) throw new PermanentError(`${where}: missing`, 'nacl_bad_entry');
  const direction: AclDirection = bool(params['egress'], where) ? 'egress' : 'ingress';
  const ruleNumber = Number(params['ruleNumber']);
  if (!Number.isInteger(ruleNumber) || ruleNumber < 1 || ruleNumber > DEFAULT_RULE_NUMBER) {
    throw new PermanentError(`${where}: expected a rule number, got ${JSON.stringify(params['ruleNumber'])}`, 'nacl_bad_entry');
  }
  if (eventName === 'DeleteNetworkAclEntry') return { direction, ruleNumber };
  const ports = isObj(params['portRange']) ? params['portRange'] : {};
  const icmp = isObj(params['icmpTypeCode']) ? params['icmpTypeCode'] : {};
  const entry = makeEntry(
    {
      direction,
      ruleNumber,
      protocol: params['aclProtocol'] ?? params['protocol'],
      action: params['ruleAction'],
      cidrBlock: params['cidrBlock'],
      ipv6CidrBlock: params['ipv6CidrBlock'],
      fromPort: ports['from'],
      toPort: ports['to'],
      icmpType: icmp['type'],
      icmpCode: icmp['code'],
    },
    where,
  );
  return { direction, ruleNumber, entry };
}

/** Terraform's inline `ingress`/`egress` blocks (aws_network_acl, aws_default_network_acl). */
export function entriesFromTerraformInline(attributes: Readonly<Obj>, address: string): NaclEntry[] {
  const out: NaclEntry[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const list = attributes[direction];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new PermanentError(`${address}.${direction}: expected a list`, 'nacl_bad_entry');
    list.forEach((b: unknown, i) => {
      const where = `${address}.${direction}[${i}]`;
      if (!isObj(b)) throw new PermanentError(`${where}: expected an object`, 'nacl_bad_entry');
      out.push(
        makeEntry(
          {
            direction,
            ruleNumber: b['rule_no'],
            protocol: b['protocol'],
            action: b['action'],
            cidrBlock: b['cidr_block'],
            ipv6CidrBlock: b['ipv6_cidr_block'],
            fromPort: b['from_port'],
            toPort: b['to_port'],
            icmpType: b['icmp_type'],
            icmpCode: b['icmp_code'],
          },
          where,
        ),
      );
    });
  }
  return out;
}

/** One `aws_network_acl_rule`. */
export function entryFromTerraformRule(attributes: Readonly<Obj>, address: string): NaclEntry {
  return makeEntry(
    {
      direction: bool(attributes['egress'] ?? false, address) ? 'egress' : 'ingress',
      ruleNumber: attributes['rule_number'],
      protocol: attributes['protocol'],
      action: attributes['rule_action'],
      cidrBlock: attributes['cidr_block'],
      ipv6CidrBlock: attributes['ipv6_cidr_block'],
      fromPort: attributes['from_port'],
      toPort: attributes['to_port'],
      icmpType: attributes['icmp_type'],
      icmpCode: attributes['icmp_code'],
    },
    address,
  );
}
