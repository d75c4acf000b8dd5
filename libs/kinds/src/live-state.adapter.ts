import { LiveStatePort, type LiveLocation, type LiveResource, type ManagedBatchSource } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { ExecutorDeps, KindRegistration, LiveDescriber, ReconcileHook } from './kind';

/**
 * The reconciling sweep's view of the kinds (issue 17 §2): for every account and region a stack
 * covers, the resources of each kind with a `reconcile` hook that the state index holds, and
 * their live configuration through the kind's batched reader. Kinds without the hook are left out.
 */
export class KindsLiveState extends LiveStatePort {
  private readonly hooks = new Map<string, { hook: ReconcileHook; describer: LiveDescriber }>();

  constructor(
    private readonly index: DesiredStateIndex,
    kinds: readonly KindRegistration[],
    deps: ExecutorDeps,
  ) {
    super();
    for (const k of kinds) {
      if (k.reconcile) this.hooks.set(k.reconcile.configType, { hook: k.reconcile, describer: k.reconcile.describer(deps) });
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

  batchSize(type: string): number {
    return this.entry(type).hook.batchSize;
  }

  describe(location: LiveLocation, type: string, ids: readonly string[]): Promise<LiveResource[]> {
    return this.entry(type).describer.describeLive(location, ids);
  }

  private entry(type: string): { hook: ReconcileHook; describer: LiveDescriber } {
    const entry = this.hooks.get(type);
    if (!entry) throw new Error(`no resource kind reads ${type} live (kinds with a reconcile hook: ${this.types.join(', ') || 'none'})`);
    return entry;
  }
}
