import {
  PermanentError,
  type ConfigItemEvent,
  type DriftRecord,
  type ResourceRef,
  type ScopeTarget,
} from '@driftwarden/domain';
import { AttributionPort, type Attribution } from '../ports/attribution.port';
import { BackportPort, type BackportResult } from '../ports/backport.port';
import { DesiredStatePort, type DesiredLookup } from '../ports/desired-state.port';
import { ExceptionsPort, type ActiveException } from '../ports/exceptions.port';
import { FreezePort, type FreezeView } from '../ports/freeze.port';
import { FencePort, RemediationPort, type Fence, type RevertResult } from '../ports/remediation.port';

/**
 * Adapters used until a capability is installed. They answer honestly ("no desired state",
 * "principal unknown", "no freeze source") so dry-run can show decisions, and each one is
 * marked so that the controller refuses to start in `enforce` mode while any is in use.
 */
export const NOT_INSTALLED = Symbol.for('driftwarden.adapter.notInstalled');

export interface NotInstalled {
  readonly [NOT_INSTALLED]: string;
}

export function isNotInstalled(adapter: unknown): adapter is NotInstalled {
  return typeof adapter === 'object' && adapter !== null && NOT_INSTALLED in adapter;
}

export class NoDesiredState extends DesiredStatePort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'desired state (Terraform state reader)';
  async lookup(): Promise<DesiredLookup> {
    return { managed: false, reason: 'no Terraform state reader is installed' };
  }
  async refresh(): Promise<void> {}
}

export class NoAttribution extends AttributionPort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'attribution (CloudTrail correlation)';
  async attribute(item: ConfigItemEvent): Promise<Attribution> {
    return { principal: { arn: null, class: 'unknown' }, changedAt: item.captureTime, source: 'none' };
  }
}

export class NoFreezeSources extends FreezePort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'freeze store (incidents, manual freezes, windows)';
  async view(_target: ScopeTarget, _changedAt: Date, _now: Date): Promise<FreezeView> {
    return {
      freeze: {
        now: { frozen: false, sources: [] },
        atChange: { declared: false, unknown: false, withinLookback: false, sources: [] },
      },
    };
  }
}

export class NoExceptions extends ExceptionsPort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'exceptions store';
  async activeFor(_resource: ResourceRef): Promise<ActiveException | null> {
    return null;
  }
}

export class NoRemediation extends RemediationPort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'remediation (EC2 writer)';
  async revert(drift: DriftRecord): Promise<RevertResult> {
    throw new PermanentError(`cannot revert ${drift.id}: no remediation adapter is installed`, 'remediation_not_installed');
  }
}

export class NoBackport extends BackportPort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'backport (GitHub pull requests)';
  async openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    throw new PermanentError(`cannot open a backport for ${drift.id}: no backport adapter is installed`, 'backport_not_installed');
  }
}

export class NoFence extends FencePort implements NotInstalled {
  readonly [NOT_INSTALLED] = 'freeze fence';
  async arm(): Promise<Fence> {
    return async () => {};
  }
}
