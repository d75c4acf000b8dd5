import type { DriftRecord } from '@driftwarden/domain';

/** The drift list's filters beyond the indexed ones (status, account, resource). */
export interface DriftQuery {
  /** The resource kind (`asg`) or type (`AWS::EC2::SecurityGroup`). */
  kind?: string;
  region?: string;
  /** Flags the record must carry (`suspicious`, `overdue`); false: must not carry. */
  flags?: Partial<Record<string, boolean>>;
  /** Case-insensitive words, each found in the id, the resource, the reason, a difference or the principal. */
  text?: string;
}

/** The text a `text` filter looks in. */
function haystack(r: DriftRecord): string {
  return [
    r.id,
    r.status,
    r.resource.id,
    r.resource.type,
    r.resource.account,
    r.resource.region,
    r.resource.address ?? '',
    r.resource.stack ?? '',
    r.decision.reason,
    r.principal.arn ?? '',
    r.principal.session ?? '',
    ...(r.differences ?? []).flatMap((d) => [d.sentence, d.madeBy.principal.arn ?? '', d.madeBy.principal.session ?? '']),
    r.links.pullRequest?.url ?? '',
    r.links.incident?.title ?? '',
    r.links.incident?.id ?? '',
  ]
    .join('\n')
    .toLowerCase();
}

/** A predicate for DriftStore.list's `where`, or undefined when the query filters nothing. */
export function driftPredicate(q: DriftQuery): ((r: DriftRecord) => boolean) | undefined {
  const words = (q.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const flags = Object.entries(q.flags ?? {}).filter((e): e is [string, boolean] => e[1] !== undefined);
  if (!q.kind && !q.region && flags.length === 0 && words.length === 0) return undefined;
  return (r) => {
    if (q.kind && r.resource.type !== q.kind && r.resource.kind !== q.kind) return false;
    if (q.region && r.resource.region !== q.region) return false;
    for (const [flag, want] of flags) if (((r.flags as string[] | undefined) ?? []).includes(flag) !== want) return false;
    if (words.length > 0) {
      const text = haystack(r);
      if (!words.every((w) => text.includes(w))) return false;
    }
    return true;
  };
}
