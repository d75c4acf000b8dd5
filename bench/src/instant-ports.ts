import type {
  DriftDifference,
  CandidateDifference,
  ConfigItemEvent,
  DifferenceAttribution,
  DifferenceDirection,
  JsonObject,
} from '@driftwarden/domain';
import { ruleDiffOf, ruleDifferences } from '@driftwarden/kinds/security-group';
import {
  KindRegistry,
  AttributionPort,
  DesiredStatePort,
  ExceptionsPort,
  FencePort,
  FreezePort,
  type Analysis,
  type Attribution,
  type CallChanges,
  type DesiredLookup,
  type Fence,
  type FreezeView,
  type ResourceKind,
} from '@driftwarden/pipeline';
import type { PortOverrides } from '../../apps/controller/src/core/port-overrides';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

/** Ports that answer instantly, so the benchmark measures the pipeline itself. */
class InstantKind implements ResourceKind {
  readonly name = 'security-group';
  readonly configTypes = ['AWS::EC2::SecurityGroup'];
  readonly cloudTrailEventNames = [];
  analyze(live: JsonObject | null): Analysis {
    const extra = ((live?.['ipPermissions'] as unknown[]) ?? []).length > 0;
    const diff = { equal: !extra, extra: extra ? [OPEN_SSH] : [], missing: [], attributes: [] };
    return { diff, differences: ruleDifferences(diff), changeWidensExposure: extra, revertWidensExposure: false, explanations: [] };
  }
  diffOf(differences: readonly DriftDifference[]) {
    return ruleDiffOf(differences);
  }
  callChanges(): Map<string, CallChanges | null> {
    return new Map();
  }
  directions(groups: readonly (readonly CandidateDifference[])[]): Map<string, DifferenceDirection> {
    return new Map(groups.flat().map((d) => [d.id, { axis: 'exposure' as const, change: 'widens' as const, revert: 'narrows' as const }]));
  }
}
const OPEN_SSH: PermissionRule = {
  direction: 'ingress',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  peer: { kind: 'ipv4', cidr: '0.0.0.0/0' },
};
class InstantDesired extends DesiredStatePort {
  async lookup(): Promise<DesiredLookup> {
    return { managed: true, stack: 'bench', address: 'aws_security_group.bench', attributes: {} };
  }
  async refresh(): Promise<void> {}
}
class InstantAttribution extends AttributionPort {
  async attribute(item: ConfigItemEvent): Promise<Attribution> {
    return { principal: { arn: null, class: 'unknown' }, changedAt: item.captureTime, source: 'none' };
  }
  async attributeDifferences(
    item: ConfigItemEvent,
    differences: readonly CandidateDifference[],
  ): Promise<Map<string, DifferenceAttribution>> {
    const by: DifferenceAttribution = {
      source: 'config-item',
      principal: { arn: null, class: 'unknown' },
      at: item.captureTime,
      configEventId: item.eventId,
      unattributable: 'benchmark: no CloudTrail',
    };
    return new Map(differences.map((d) => [d.id, by]));
  }
}
class InstantFreeze extends FreezePort {
  async view(): Promise<FreezeView> {
    return {
      freeze: { now: { frozen: false, sources: [] }, atChange: { declared: false, unknown: false, withinLookback: false, sources: [] } },
    };
  }
}
class InstantFence extends FencePort {
  async arm(): Promise<Fence> {
    return async () => {};
  }
}
class InstantExceptions extends ExceptionsPort {
  async activeFor(): Promise<null> {
    return null;
  }
}

/** `realFreeze`: keep the controller's own FreezeService and fence (Redis-backed), e.g. to see what the freeze costs its providers. */
export function instantPorts(options: { realFreeze?: boolean } = {}): PortOverrides {
  return {
    kinds: new KindRegistry([new InstantKind()]),
    desiredState: new InstantDesired(),
    attribution: new InstantAttribution(),
    ...(options.realFreeze ? {} : { freeze: new InstantFreeze(), fence: new InstantFence() }),
    exceptions: new InstantExceptions(),
  };
}
