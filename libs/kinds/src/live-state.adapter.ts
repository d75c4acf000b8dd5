import {
  LiveStatePort,
  perLocationBatches,
  type LiveBatch,
  type LiveLocation,
  type LiveResource,
  type ManagedBatchSource,
  type Pace,
} from '@driftwarden/pipeline';
import type { DesiredStateIndex, StateLocation } from '@driftwarden/terraform-state';
import type { ExecutorDeps, KindRegistration, LiveDescriber, ReconcileHook } from './kind';

/**
 * The reconciling sweep's view of the kinds (issue 17 §2): for every account and region a stack
 * covers, the resources of each kind with a `reconcile` hook that the state index holds, and
 * their live configuration through the kind's batched reader (one batch: one type in one
 * location, rate-limited per account and region). Kinds without the hook are left out.
 */
export class KindsLiveState extends LiveStatePort {
  private readonly hooks = new Map<string, { hook: ReconcileHook; describer: LiveDescriber | null }>();

  constructor(
    private readonly index: DesiredStateIndex,
    kinds: readonly KindRegistration[],
    /** The AWS clients' settings; null when another reader (Config's aggregator) reads live, so no describer is built. */
    deps: ExecutorDeps | null,
  ) {
    super();
    for (const k of kinds) {
      if (k.reconcile) this.hooks.set(k.reconcile.configType, { hook: k.reconcile, describer: deps ? k.reconcile.describer(deps) : null });
    }
  }

  /** The Config types the sweep covers. */
  get types(): string[] {
    return [...this.hooks.keys()];
  }

  async managed(): Promise<ManagedBatchSource[]> {
    const locations = new Map<string, LiveLocation>();
    for (const stack of this.index.status()) {
      for (const account of stack.accounts) for (const region of stack.regions) locations.set(`${account}/${region}`, { account, region });
    }
    const out: ManagedBatchSource[] = [];
    for (const location of [...locations.values()].sort((a, b) => `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`))) {
      for (const [type, { hook }] of this.hooks) {
        const ids = await hook.managedIds(this.index, location);
        if (ids.length > 0) out.push({ location, type, ids });
      }
    }
    return out;
  }

  plan(sources: readonly ManagedBatchSource[]): LiveBatch[] {
    return perLocationBatches(sources, (type) => this.entry(type).hook.batchSize);
  }

  async describe(batch: LiveBatch, pace: Pace): Promise<LiveResource[]> {
    const first = batch.resources[0];
    if (!first) return [];
    const { location, type } = first;
    if (batch.resources.some((r) => r.type !== type || r.location.account !== location.account || r.location.region !== location.region))
      throw new Error('a batch of the kinds’ readers holds one type in one account and region');
    const { describer } = this.entry(type);
    if (!describer) throw new Error(`no live reader was built for ${type} (the sweep reads through Config's aggregator)`);
    return describer.describeLive(
      location,
      batch.resources.map((r) => r.id),
      pace,
    );
  }

  private entry(type: string): { hook: ReconcileHook; describer: LiveDescriber | null } {
    const entry = this.hooks.get(type);
    if (!entry) throw new Error(`no resource kind reads ${type} live (kinds with a reconcile hook: ${this.types.join(', ') || 'none'})`);
    return entry;
  }
}

/** A stack's accounts and regions, by name (what an entry without a known location can only be in). */
export function stackScopes(index: DesiredStateIndex): Map<string, { accounts: readonly string[]; regions: readonly string[] }> {
  return new Map(index.status().map((s) => [s.stack, { accounts: s.accounts, regions: s.regions }]));
}

/**
 * Whether the sweep reads a state entry in `location`: its account and region, where the state
 * tells them, must be the location's; one the state does not tell must be the only one the stack
 * covers. An entry that could be in several places (a bucket without `region` in a stack of two
 * regions) is left out of the sweep: read in each, it would be "gone" in all but one.
 */
export function sweptIn(
  entry: StateLocation,
  scope: { accounts: readonly string[]; regions: readonly string[] } | undefined,
  location: LiveLocation,
): boolean {
  const account = entry.account ?? (scope?.accounts.length === 1 ? scope.accounts[0] : undefined);
  const region = entry.region ?? (scope?.regions.length === 1 ? scope.regions[0] : undefined);
  return account === location.account && region === location.region;
}
