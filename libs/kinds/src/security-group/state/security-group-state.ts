/**
 * The security-group kind's part of the state index (CONTRACTS.md §E2): security groups by
 * `id`; `aws_vpc_security_group_*_rule` and `aws_security_group_rule` by `security_group_id`
 * (and by `security_group_rule_id` when set). Only current instances of managed resources count
 * (a data source reads a group, it does not own it; deposed objects are leftovers). Of each
 * instance only the attributes the rule readers and the lookup use are kept; rules are parsed
 * lazily, on the first lookup, and memoised for the life of this index version.
 */
import { locationFromArn, locationMatches, type StateInstance, type StateKind, type StateLocation } from '@driftwarden/terraform-state';
import { TF_LEGACY_RULE, TF_SECURITY_GROUP, TF_VPC_EGRESS_RULE, TF_VPC_INGRESS_RULE } from '../normalize/terraform';

export { locationFromArn, locationMatches, type StateLocation };

/** `aws_default_security_group` manages a VPC's default group with the same inline blocks. */
export const TF_DEFAULT_SECURITY_GROUP = 'aws_default_security_group';

/** Where an entry lives, as far as its attributes tell (absent = unknown, matches anything). */
interface EntryBase {
  stack: string;
  /** Terraform instance address, e.g. `module.web.aws_security_group.this`. */
  address: string;
  resourceType: string;
  /** The security group it is about (`sg-…`). */
  groupId: string;
  location: StateLocation;
  /** The attributes the rule readers use (the rest of the instance's attributes is not kept); a fresh copy on each read. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Marked tainted: Terraform will replace it on the next apply. */
  tainted: boolean;
}

export interface SecurityGroupEntry extends EntryBase {
  kind: 'security_group';
}

export interface VpcRuleEntry extends EntryBase {
  kind: 'vpc_rule';
  resourceType: typeof TF_VPC_INGRESS_RULE | typeof TF_VPC_EGRESS_RULE;
  /** `sgr-…`. */
  ruleId?: string;
}

export interface LegacyRuleEntry extends EntryBase {
  kind: 'legacy_rule';
  /** `sgr-…`, set by newer provider versions for single-source rules. */
  ruleId?: string;
}

export type StateEntry = SecurityGroupEntry | VpcRuleEntry | LegacyRuleEntry;

/** The attributes kept per resource type: what `@driftwarden/security-group`'s Terraform readers and `resolveSecurityGroup` read. */
const KEPT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  [TF_SECURITY_GROUP]: ['id', 'ingress', 'egress', 'tags', 'tags_all'],
  [TF_DEFAULT_SECURITY_GROUP]: ['id', 'ingress', 'egress', 'tags', 'tags_all'],
  [TF_VPC_INGRESS_RULE]: [
    'security_group_id',
    'ip_protocol',
    'from_port',
    'to_port',
    'cidr_ipv4',
    'cidr_ipv6',
    'prefix_list_id',
    'referenced_security_group_id',
    'description',
  ],
  [TF_LEGACY_RULE]: [
    'type',
    'security_group_id',
    'protocol',
    'from_port',
    'to_port',
    'cidr_blocks',
    'ipv6_cidr_blocks',
    'prefix_list_ids',
    'source_security_group_id',
    'self',
    'description',
  ],
};
const KEPT: Readonly<Record<string, readonly string[]>> = {
  ...KEPT_ATTRIBUTES,
  [TF_VPC_EGRESS_RULE]: KEPT_ATTRIBUTES[TF_VPC_INGRESS_RULE] ?? [],
};

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Locations are shared between entries (a state has thousands of entries and a few accounts and regions); never changed. */
const LOCATIONS = new Map<string, StateLocation>();
const LOCATIONS_KEPT = 4096;

function sharedLocation(account: string | undefined, region: string | undefined): StateLocation {
  const key = `${account ?? ''}/${region ?? ''}`;
  let location = LOCATIONS.get(key);
  if (location === undefined) {
    location = {};
    if (account) location.account = account;
    if (region) location.region = region;
    Object.freeze(location);
    if (LOCATIONS.size >= LOCATIONS_KEPT) LOCATIONS.clear();
    LOCATIONS.set(key, location);
  }
  return location;
}

/** `arn:aws:ec2:eu-west-1:111122223333:security-group/sg-…` → region and account. */
function locationOf(
  attributes: Readonly<Record<string, unknown>>,
  identity: Readonly<Record<string, unknown>> | null | undefined,
): StateLocation {
  const fromArn = locationFromArn(str(attributes['arn']));
  const account = fromArn.account ?? str(attributes['owner_id']) ?? str(identity?.['account_id']);
  const region = str(attributes['region']) ?? fromArn.region ?? str(identity?.['region']);
  return sharedLocation(account, region);
}

/**
 * How an entry's kept attributes are laid out in its text: which attributes it has (in the
 * order `pick` found them), and for each whether it is a table (an array of objects that all
 * have the same keys in the same order: the inline `ingress`/`egress` blocks, which Terraform
 * writes with every key of the block schema, sorted), with the table's keys. Shared by every
 * entry of the same layout (a state has thousands of entries and a handful of layouts), so
 * the text holds only values: a group's text is about 40 % of its attributes' JSON.
 */
interface Layout {
  readonly keys: readonly string[];
  /** Per attribute in `keys`: the keys of each row when it is a table, else undefined. */
  readonly tables: readonly (readonly string[] | undefined)[];
}

const LAYOUTS = new Map<string, Layout>();
const LAYOUTS_KEPT = 4096;

/** The keys of every object of `value`, when it is a non-empty array of objects with the same keys in the same order. */
function tableKeys(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  let keys: string[] | undefined;
  for (const item of value as readonly unknown[]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const own = Object.keys(item);
    if (keys === undefined) {
      // (`__proto__` would be set as the prototype when a row is rebuilt: such a value stays as JSON.)
      if (own.includes('__proto__')) return undefined;
      keys = own;
    } else if (own.length !== keys.length) return undefined;
    else for (let k = 0; k < own.length; k++) if (own[k] !== keys[k]) return undefined;
  }
  return keys;
}

function layoutOf(keys: string[], tables: (string[] | undefined)[]): Layout {
  // (A key may hold any character: the signature gives each key's length, so no two layouts share one.)
  let signature = '';
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    signature += `${key.length}:${key}`;
    const table = tables[k];
    if (table === undefined) signature += '.';
    else {
      signature += `[${table.length}`;
      for (const column of table) signature += `,${column.length}:${column}`;
      signature += ']';
    }
  }
  let layout = LAYOUTS.get(signature);
  if (layout === undefined) {
    layout = Object.freeze({ keys: Object.freeze(keys), tables: Object.freeze(tables.map((t) => (t ? Object.freeze(t) : undefined))) });
    if (LAYOUTS.size >= LAYOUTS_KEPT) LAYOUTS.clear();
    LAYOUTS.set(signature, layout);
  }
  return layout;
}

/** `value`'s rows as arrays of cells in `columns` order; undefined when a cell is undefined (JSON would drop its key). */
function rowsOf(value: readonly Record<string, unknown>[], columns: readonly string[]): unknown[][] | undefined {
  const rows = new Array<unknown[]>(value.length);
  for (let r = 0; r < value.length; r++) {
    const row = value[r] as Record<string, unknown>;
    const cells = new Array<unknown>(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const cell = row[columns[c] as string];
      if (cell === undefined) return undefined;
      cells[c] = cell;
    }
    rows[r] = cells;
  }
  return rows;
}

/**
 * `keep`'s attributes of `attributes` (those present, in `keep`'s order) as a layout and the
 * JSON text of their values, tables as rows of cells: `expand` turns them back into what
 * `JSON.parse(JSON.stringify(picked))` would give (the same keys in the same order, the same
 * values). An attribute whose value is undefined is left out, as JSON.stringify leaves it out.
 */
function compact(attributes: Readonly<Record<string, unknown>>, keep: readonly string[]): { layout: Layout; text: string } {
  const keys: string[] = [];
  const tables: (string[] | undefined)[] = [];
  const values: unknown[] = [];
  for (const key of keep) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    if (value === undefined) continue;
    let columns = tableKeys(value);
    const rows = columns === undefined ? undefined : rowsOf(value as readonly Record<string, unknown>[], columns);
    if (rows === undefined) columns = undefined;
    keys.push(key);
    tables.push(columns);
    values.push(rows ?? value);
  }
  return { layout: layoutOf(keys, tables), text: JSON.stringify(values) };
}

/** `compact`'s text back as the attributes object (a fresh copy). */
function expand(layout: Layout, text: string): Record<string, unknown> {
  const values = JSON.parse(text) as unknown[];
  const out: Record<string, unknown> = {};
  for (let k = 0; k < layout.keys.length; k++) {
    const columns = layout.tables[k];
    const value = values[k];
    if (columns === undefined) out[layout.keys[k] as string] = value;
    else {
      out[layout.keys[k] as string] = (value as unknown[][]).map((cells) => {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < columns.length; c++) row[columns[c] as string] = cells[c];
        return row;
      });
    }
  }
  return out;
}

/**
 * An entry whose kept attributes are held as JSON text of their values (see `Layout`) and
 * expanded on each read: one short string per entry instead of a tree of small objects (a
 * state has thousands of groups and rules; a lookup reads a handful, once per index version,
 * and `resolveSecurityGroup` memoises their rules). Kept text is what a build copies from the
 * young generation to the old and holds: the less of it, the faster the build.
 * The other fields are own properties, as in a plain entry, set in one order (one shape for all).
 */
class KeptEntry {
  readonly #layout: Layout;
  readonly #values: string;
  readonly ruleId?: string;

  constructor(
    readonly stack: string,
    readonly address: string,
    readonly location: StateLocation,
    readonly tainted: boolean,
    readonly kind: StateEntry['kind'],
    readonly resourceType: string,
    readonly groupId: string,
    ruleId: string | undefined,
    attributes: Readonly<Record<string, unknown>>,
    keep: readonly string[],
  ) {
    if (ruleId !== undefined) this.ruleId = ruleId;
    const { layout, text } = compact(attributes, keep);
    this.#layout = layout;
    this.#values = text;
  }

  get attributes(): Readonly<Record<string, unknown>> {
    return expand(this.#layout, this.#values);
  }
}

/** One instance → its entry (the group, or a rule resource targeting a group); undefined when it names no group. */
export function securityGroupEntry(instance: StateInstance): StateEntry | undefined {
  const { stack, address, type, attributes, tainted } = instance;
  const keep = KEPT[type];
  if (!keep) return undefined;
  let kind: StateEntry['kind'];
  let groupId: string | undefined;
  let ruleId: string | undefined;
  if (type === TF_SECURITY_GROUP || type === TF_DEFAULT_SECURITY_GROUP) {
    kind = 'security_group';
    groupId = str(attributes['id']);
  } else {
    groupId = str(attributes['security_group_id']);
    if (type === TF_VPC_INGRESS_RULE || type === TF_VPC_EGRESS_RULE) {
      kind = 'vpc_rule';
      ruleId = str(attributes['security_group_rule_id']) ?? str(attributes['id']);
    } else {
      kind = 'legacy_rule';
      ruleId = str(attributes['security_group_rule_id']);
    }
  }
  if (!groupId) return undefined;
  const location = locationOf(attributes, instance.identity);
  const entry = new KeptEntry(stack, address, location, tainted, kind, type, groupId, ruleId, attributes, keep);
  return entry as unknown as StateEntry;
}

/** One stack's security groups: entries by group id and by AWS rule id. */
export class SecurityGroupStateIndex {
  private readonly byGroup = new Map<string, StateEntry[]>();
  private readonly byRuleId = new Map<string, StateEntry>();
  readonly securityGroupCount: number;
  readonly ruleResourceCount: number;

  constructor(entries: readonly StateEntry[]) {
    let groups = 0;
    for (const entry of entries) {
      if (entry.kind === 'security_group') groups++;
      const list = this.byGroup.get(entry.groupId);
      if (list) list.push(entry);
      else this.byGroup.set(entry.groupId, [entry]);
      if (entry.kind !== 'security_group' && entry.ruleId?.startsWith('sgr-')) this.byRuleId.set(entry.ruleId, entry);
    }
    this.securityGroupCount = groups;
    this.ruleResourceCount = entries.length - groups;
  }

  /** Every entry about `groupId` (the group itself and the rule resources targeting it). */
  entriesFor(groupId: string): readonly StateEntry[] {
    return this.byGroup.get(groupId) ?? [];
  }

  /** The rule resource whose AWS rule id is `ruleId` (`sgr-…`). */
  ruleEntry(ruleId: string): StateEntry | undefined {
    return this.byRuleId.get(ruleId);
  }

  /** Security group ids this stack declares something about (the group or rules targeting it). */
  securityGroupIds(): string[] {
    return [...this.byGroup.keys()];
  }

  /** Security group ids this stack declares something about in an account and region (an entry whose location is unknown matches any). */
  securityGroupIdsIn(account: string, region: string): string[] {
    return [...this.byGroup.entries()]
      .filter(([, entries]) => entries.some((e) => locationMatches(e.location, account, region)))
      .map(([id]) => id);
  }

  /** Security group ids whose `aws_security_group` (or default group) is in this stack. */
  ownedSecurityGroupIds(): string[] {
    return [...this.byGroup.entries()].filter(([, entries]) => entries.some((e) => e.kind === 'security_group')).map(([id]) => id);
  }
}

/** The security-group kind's declaration to the state index. */
export const securityGroupStateKind: StateKind<StateEntry, SecurityGroupStateIndex> = {
  name: 'security-group',
  terraformTypes: [TF_SECURITY_GROUP, TF_DEFAULT_SECURITY_GROUP, TF_VPC_INGRESS_RULE, TF_VPC_EGRESS_RULE, TF_LEGACY_RULE],
  extract: securityGroupEntry,
  index: (_stack, entries) => new SecurityGroupStateIndex(entries),
  count: (index) => index.securityGroupCount,
};
