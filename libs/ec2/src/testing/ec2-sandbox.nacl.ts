/**
 * The sandbox account's network ACLs, in memory, with EC2's entry semantics (no HTTP here):
 * - an entry is one direction and rule number (1–32766); the default deny (32767) is present on
 *   every ACL in both directions and cannot be changed;
 * - CreateNetworkAclEntry on a taken number fails with `NetworkAclEntryAlreadyExists`;
 *   Replace and Delete on a free number fail with `InvalidNetworkAclEntry.NotFound`;
 * - an unknown ACL is `InvalidNetworkAclID.NotFound`.
 * There is no CreateNetworkAcl, DeleteNetworkAcl or association change: the remediation never
 * makes them, and the sandbox refuses them like any action it does not know.
 */
import { makeEntry, sortEntries, type NaclEntry } from '@driftwarden/kinds/network-acl';
import { Ec2ApiError } from './ec2-sandbox.errors';
import { leaf, set } from './ec2-xml';
import { booleanParam, optionalInteger, optionalString, requiredString, type QueryParams } from './ec2-query';

export interface SandboxAclSpec {
  aclId: string;
  vpcId: string;
  entries?: readonly NaclEntry[];
  isDefault?: boolean;
  subnetIds?: readonly string[];
  tags?: Record<string, string>;
}

export interface StoredAcl {
  readonly aclId: string;
  readonly vpcId: string;
  readonly isDefault: boolean;
  readonly ownerId: string;
  readonly subnetIds: readonly string[];
  readonly tags: Record<string, string>;
  entries: NaclEntry[];
}

/** One change to an ACL's entries, reported to `onAclChange` listeners. */
export interface SandboxAclChange {
  aclId: string;
  action: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry' | 'DeleteNetworkAclEntry';
  /** The entry the call set (create/replace) or removed (delete). */
  entry: NaclEntry;
  /** The ACL's entries after the change. */
  entries: NaclEntry[];
  principalArn?: string;
  requestId?: string;
}

export const aclErrors = {
  notFound: (aclId: string) => new Ec2ApiError('InvalidNetworkAclID.NotFound', `The network ACL ID '${aclId}' does not exist`),
  entryExists: (n: number, egress: boolean) =>
    new Ec2ApiError(
      'NetworkAclEntryAlreadyExists',
      `The network acl entry identified by ${n} already exists for ${egress ? 'egress' : 'ingress'}`,
    ),
  entryNotFound: (n: number, egress: boolean) =>
    new Ec2ApiError(
      'InvalidNetworkAclEntry.NotFound',
      `The network acl entry identified by ${n} (${egress ? 'egress' : 'ingress'}) does not exist`,
    ),
  malformed: (aclId: string) => new Ec2ApiError('InvalidNetworkAclId.Malformed', `Invalid id: "${aclId}" (expecting "acl-...")`),
};

export class SandboxNetworkAcls {
  private readonly acls = new Map<string, StoredAcl>();

  constructor(
    readonly accountId: string,
    private readonly emit: (change: SandboxAclChange) => void,
  ) {}

  addAcl(spec: SandboxAclSpec): void {
    this.acls.set(spec.aclId, {
      aclId: spec.aclId,
      vpcId: spec.vpcId,
      isDefault: spec.isDefault ?? false,
      ownerId: this.accountId,
      subnetIds: [...(spec.subnetIds ?? [])],
      tags: { ...(spec.tags ?? {}) },
      entries: sortEntries(spec.entries ?? []),
    });
  }

  has(aclId: string): boolean {
    return this.acls.has(aclId);
  }

  acl(aclId: string): StoredAcl {
    if (!/^acl-[0-9a-f]+$/.test(aclId)) throw aclErrors.malformed(aclId);
    const acl = this.acls.get(aclId);
    if (!acl) throw aclErrors.notFound(aclId);
    return acl;
  }

  entries(aclId: string): NaclEntry[] {
    return sortEntries(this.acl(aclId).entries);
  }

  describe(ids: readonly string[]): StoredAcl[] {
    if (ids.length === 0) return [...this.acls.values()];
    return ids.map((id) => this.acl(id));
  }

  create(aclId: string, entry: NaclEntry, ctx: { principalArn?: string; requestId?: string } = {}): void {
    const acl = this.acl(aclId);
    if (acl.entries.some((e) => e.direction === entry.direction && e.ruleNumber === entry.ruleNumber)) {
      throw aclErrors.entryExists(entry.ruleNumber, entry.direction === 'egress');
    }
    acl.entries = sortEntries([...acl.entries, entry]);
    this.emit({ aclId, action: 'CreateNetworkAclEntry', entry, entries: this.entries(aclId), ...ctx });
  }

  replace(aclId: string, entry: NaclEntry, ctx: { principalArn?: string; requestId?: string } = {}): void {
    const acl = this.acl(aclId);
    const i = acl.entries.findIndex((e) => e.direction === entry.direction && e.ruleNumber === entry.ruleNumber);
    if (i < 0) throw aclErrors.entryNotFound(entry.ruleNumber, entry.direction === 'egress');
    acl.entries = sortEntries([...acl.entries.slice(0, i), entry, ...acl.entries.slice(i + 1)]);
    this.emit({ aclId, action: 'ReplaceNetworkAclEntry', entry, entries: this.entries(aclId), ...ctx });
  }

  delete(
    aclId: string,
    direction: 'ingress' | 'egress',
    ruleNumber: number,
    ctx: { principalArn?: string; requestId?: string } = {},
  ): void {
    const acl = this.acl(aclId);
    const found = acl.entries.find((e) => e.direction === direction && e.ruleNumber === ruleNumber);
    if (!found) throw aclErrors.entryNotFound(ruleNumber, direction === 'egress');
    acl.entries = acl.entries.filter((e) => e !== found);
    this.emit({ aclId, action: 'DeleteNetworkAclEntry', entry: found, entries: this.entries(aclId), ...ctx });
  }
}

/** The entry of a Create/ReplaceNetworkAclEntry request (EC2 Query parameters), validated as EC2 does. */
export function entryParam(params: QueryParams): NaclEntry {
  const ruleNumber = optionalInteger(params, 'RuleNumber');
  if (ruleNumber === undefined) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter RuleNumber');
  if (ruleNumber < 1 || ruleNumber > 32766)
    throw new Ec2ApiError('InvalidParameterValue', `Invalid rule number ${ruleNumber}: expected 1 to 32766`);
  try {
    return makeEntry(
      {
        direction: booleanParam(params, 'Egress') ? 'egress' : 'ingress',
        ruleNumber,
        protocol: requiredString(params, 'Protocol'),
        action: requiredString(params, 'RuleAction'),
        cidrBlock: optionalString(params, 'CidrBlock'),
        ipv6CidrBlock: optionalString(params, 'Ipv6CidrBlock'),
        fromPort: optionalInteger(params, 'PortRange.From'),
        toPort: optionalInteger(params, 'PortRange.To'),
        icmpType: optionalInteger(params, 'Icmp.Type'),
        icmpCode: optionalInteger(params, 'Icmp.Code'),
      },
      'request',
    );
  } catch (err) {
    if (err instanceof Ec2ApiError) throw err;
    throw new Ec2ApiError('InvalidParameterValue', err instanceof Error ? err.message : String(err));
  }
}

function entryXml(
  e:
    | NaclEntry
    | {
        direction: 'ingress' | 'egress';
        ruleNumber: number;
        protocol: string;
        action: string;
        cidr: string;
        fromPort: null;
        toPort: null;
        icmpType: null;
        icmpCode: null;
      },
): string {
  return (
    leaf('ruleNumber', e.ruleNumber) +
    leaf('protocol', e.protocol) +
    leaf('ruleAction', e.action) +
    leaf('egress', e.direction === 'egress') +
    (e.cidr.includes(':') ? leaf('ipv6CidrBlock', e.cidr) : leaf('cidrBlock', e.cidr)) +
    (e.fromPort !== null ? `<portRange>${leaf('from', e.fromPort)}${leaf('to', e.toPort)}</portRange>` : '') +
    (e.icmpType !== null ? `<icmpTypeCode>${leaf('code', e.icmpCode)}${leaf('type', e.icmpType)}</icmpTypeCode>` : '')
  );
}

/** `<item>` body of one ACL in DescribeNetworkAcls (the default deny of each direction included, as EC2 lists it). */
export function networkAclXml(acl: StoredAcl): string {
  const defaults = (['ingress', 'egress'] as const).map((direction) => ({
    direction,
    ruleNumber: 32767,
    protocol: '-1',
    action: 'deny',
    cidr: '0.0.0.0/0',
    fromPort: null,
    toPort: null,
    icmpType: null,
    icmpCode: null,
  }));
  return (
    leaf('networkAclId', acl.aclId) +
    leaf('vpcId', acl.vpcId) +
    leaf('default', acl.isDefault) +
    set('entrySet', [...acl.entries, ...defaults].map(entryXml)) +
    set(
      'associationSet',
      acl.subnetIds.map(
        (s, i) =>
          leaf('networkAclAssociationId', `aclassoc-${acl.aclId.slice(4, 12)}${String(i).padStart(4, '0')}`) +
          leaf('networkAclId', acl.aclId) +
          leaf('subnetId', s),
      ),
    ) +
    set(
      'tagSet',
      Object.entries(acl.tags).map(([k, v]) => leaf('key', k) + leaf('value', v)),
    ) +
    leaf('ownerId', acl.ownerId)
  );
}
