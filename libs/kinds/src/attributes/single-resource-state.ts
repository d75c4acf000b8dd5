/**
 * The state part of a kind whose AWS resource is one Terraform resource (an Auto Scaling group is
 * one `aws_autoscaling_group`, an instance one `aws_instance`): each current instance of the
 * declared types is kept by `id` and `arn` with only the attributes the kind reads (`keep`); the
 * lookup finds the resource in the stacks covering its account and region. Fail closed: a covering
 * stack whose state cannot be read makes the lookup throw (DesiredStateIndex.kindIndexes).
 */
import { PermanentError, type JsonObject } from '@driftwarden/domain';
import { locationFromArn, locationMatches, type DesiredStateIndex, type StateInstance, type StateKind } from '@driftwarden/terraform-state';

export interface SingleResourceEntry {
  stack: string;
  address: string;
  type: string;
  id?: string;
  arn?: string;
  tainted: boolean;
  /** What the kind kept of the instance's attributes. */
  attributes: JsonObject;
}

export interface SingleResourceIndex {
  entries: SingleResourceEntry[];
  byId: Map<string, SingleResourceEntry[]>;
}

export type SingleResourceStateKind = StateKind<SingleResourceEntry, SingleResourceIndex>;

/**
 * A state kind keeping `keep(attributes)` of each instance of `terraformTypes`. `keep` may throw a
 * PermanentError for an instance it cannot read (the whole state is then reported unreadable).
 */
export function singleResourceStateKind(
  name: string,
  terraformTypes: readonly string[],
  keep: (attributes: Readonly<Record<string, unknown>>, instance: StateInstance) => JsonObject,
): SingleResourceStateKind {
  return {
    name,
    terraformTypes,
    extract(instance: StateInstance): SingleResourceEntry | undefined {
      const a = instance.attributes;
      const id = typeof a['id'] === 'string' && a['id'] !== '' ? a['id'] : undefined;
      const arn = typeof a['arn'] === 'string' && a['arn'] !== '' ? a['arn'] : undefined;
      if (!id && !arn) return undefined;
      return {
        stack: instance.stack,
        address: instance.address,
        type: instance.type,
        ...(id ? { id } : {}),
        ...(arn ? { arn } : {}),
        tainted: instance.tainted,
        attributes: keep(a, instance),
      };
    },
    index(_stack: string, entries: readonly SingleResourceEntry[]): SingleResourceIndex {
      const byId = new Map<string, SingleResourceEntry[]>();
      const add = (key: string | undefined, e: SingleResourceEntry) => {
        if (key) byId.set(key, [...(byId.get(key) ?? []), e]);
      };
      for (const e of entries) {
        add(e.id, e);
        if (e.arn !== e.id) add(e.arn, e);
      }
      return { entries: [...entries], byId };
    },
    count: (index: SingleResourceIndex) => index.entries.length,
  };
}

export type SingleResourceLookup = { managed: true; entry: SingleResourceEntry } | { managed: false; reason: string };

/**
 * The resource's entry in the stacks covering its account and region, by any of `ids` (its id,
 * its ARN, its name). Declared by two stacks: a PermanentError (which stack's code is desired is
 * a human's call). Throws when a covering state cannot be read.
 */
export async function lookupSingleResource(
  index: DesiredStateIndex,
  kind: SingleResourceStateKind,
  where: { account: string; region: string },
  ids: readonly string[],
): Promise<SingleResourceLookup> {
  const { stacks, indexes } = await index.kindIndexes(kind, where.account, where.region);
  if (stacks.length === 0) return { managed: false, reason: `no configured stack covers account ${where.account} in ${where.region}` };
  const found: SingleResourceEntry[] = [];
  for (const { index: kindIndex } of indexes) {
    for (const id of ids) {
      for (const e of kindIndex.byId.get(id) ?? []) {
        if (!found.includes(e) && locationMatches(locationFromArn(e.arn), where.account, where.region)) found.push(e);
      }
    }
  }
  if (found.length === 0) {
    return {
      managed: false,
      reason: `${ids[0]} is in the Terraform state of no stack covering account ${where.account} in ${where.region} (checked ${stacks.map((s) => `"${s}"`).join(', ')})`,
    };
  }
  if (found.length > 1) {
    throw new PermanentError(
      `${ids[0]} is declared ${found.length} times (${found.map((e) => `${e.stack}: ${e.address}`).join(', ')}): which code is desired is a human's call`,
      'desired_ambiguous',
    );
  }
  return { managed: true, entry: found[0] };
}

/** A number attribute of a state instance, or null when absent; anything else is unreadable. */
export function stateNumber(attributes: Readonly<Record<string, unknown>>, name: string, where: string): number | null {
  const v = attributes[name];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new PermanentError(`${where}: attribute ${name} is ${JSON.stringify(v)}, expected a number`, 'terraform_state_format');
}
