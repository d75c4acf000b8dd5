import type { ResourceRef } from '@driftwarden/domain';
import { DesiredStatePort, type DesiredLookup } from '@driftwarden/pipeline';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { KindRegistration } from './kind';

/**
 * Desired state from Terraform state files (DESIGN §2): what the owning stack last applied, read
 * by the resource's kind from the shared state index. A resource no stack declares is unmanaged
 * (recorded, never reverted); a covering stack whose state cannot be read makes the lookup throw
 * (the evaluation retries), never "unmanaged".
 */
export class KindsDesiredState extends DesiredStatePort {
  private readonly byType = new Map<string, KindRegistration>();
  /** The catch-all kind (observed): types no other kind claims, for resources a stack's state holds. */
  private readonly catchAll: KindRegistration | undefined;

  constructor(
    /** The shared state index (the reconciling sweep enumerates managed resources from it). */
    readonly index: DesiredStateIndex,
    kinds: readonly KindRegistration[],
  ) {
    super();
    for (const k of kinds) for (const type of k.kind.configTypes) this.byType.set(type, k);
    this.catchAll = kinds.find((k) => k.kind.catchAll);
  }

  async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    const k = this.byType.get(resource.type) ?? this.catchAll;
    if (!k) return { managed: false, reason: `no resource kind reads the desired state of ${resource.type}` };
    const found = await k.desired(this.index, resource);
    if (!found.managed) return found;
    const state = this.index.stateHeader(found.stack);
    return state ? { ...found, state } : found;
  }

  /** After an IaC apply (rule 1) the state has changed: re-read it (version-cached). */
  async refresh(resource: ResourceRef): Promise<void> {
    for (const stack of this.index.stacksCovering(resource.account, resource.region)) await this.index.refresh(stack);
  }
}
