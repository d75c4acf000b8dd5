import type {
  DriftDifference,
  CandidateDifference,
  ConfigItemEvent,
  DifferenceAttribution,
  DifferenceDirection,
  DriftRecord,
  JsonObject,
  PrincipalClass,
  ScopeTarget,
} from '@driftwarden/domain';
import { ruleDiffOf, ruleDifferences } from '@driftwarden/kinds/security-group';
import {
  AttributionPort,
  BackportPort,
  DesiredStatePort,
  ExceptionsPort,
  FencePort,
  FreezePort,
  RemediationPort,
  type Analysis,
  type Attribution,
  type BackportResult,
  type CallChanges,
  type DesiredLookup,
  type DesiredResource,
  type Fence,
  type FreezeView,
  type ResourceKind,
  type RevertResult,
} from '@driftwarden/pipeline';
import type { ResourceRef } from '@driftwarden/domain';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

/**
 * Port fakes for pipeline tests. The security-group.kind here is deliberately small
 * (rules as `proto/port/cidr` strings); the real rule model is tested in libs/security-group.
 */
export function ruleOf(s: string): PermissionRule {
  const [protocol, port, ...cidr] = s.split('/');
  const p = Number(port);
  return { direction: 'ingress', protocol, fromPort: p, toPort: p, peer: { kind: 'ipv4', cidr: cidr.join('/') } };
}

export function liveRules(configuration: JsonObject | null): string[] {
  const perms = (configuration?.['ipPermissions'] as JsonObject[] | undefined) ?? [];
  const out: string[] = [];
  for (const p of perms) {
    const ranges =
      (p['ipv4Ranges'] as { cidrIp: string }[] | undefined)?.map((r) => r.cidrIp) ?? (p['ipRanges'] as string[] | undefined) ?? [];
    for (const c of ranges) out.push(`${String(p['ipProtocol'])}/${String(p['fromPort'])}/${c}`);
  }
  return out.sort();
}

export class FakeSgKind implements ResourceKind {
  readonly name = 'security-group';
  readonly configTypes = ['AWS::EC2::SecurityGroup'];
  readonly cloudTrailEventNames = [];
  analyze(live: JsonObject | null, desired: DesiredResource): Analysis {
    const have = liveRules(live);
    const want = (desired.attributes['rules'] as string[]).slice().sort();
    const extra = have.filter((r) => !want.includes(r));
    const missing = want.filter((r) => !have.includes(r));
    const diff = {
      equal: extra.length === 0 && missing.length === 0,
      extra: extra.map(ruleOf),
      missing: missing.map(ruleOf),
      attributes: [],
    };
    return {
      diff,
      differences: ruleDifferences(diff),
      changeWidensExposure: extra.length > 0,
      revertWidensExposure: missing.length > 0,
      explanations: [...extra.map((r) => `extra ${r}`), ...missing.map((r) => `missing ${r}`)],
    };
  }
  /** The fake attribution names principals itself: no call is read. */
  diffOf(differences: readonly DriftDifference[]) {
    return ruleDiffOf(differences);
  }
  callChanges(): Map<string, CallChanges | null> {
    return new Map();
  }
  /** As small as the rest: an extra rule widens, re-authorizing a missing one widens. */
  directions(groups: readonly (readonly CandidateDifference[])[]): Map<string, DifferenceDirection> {
    return new Map(
      groups
        .flat()
        .map((d) => [
          d.id,
          d.side === 'added'
            ? { axis: 'exposure' as const, change: 'widens' as const, revert: 'narrows' as const }
            : { axis: 'exposure' as const, change: 'narrows' as const, revert: 'widens' as const },
        ]),
    );
  }
}

export class FakeDesiredState extends DesiredStatePort {
  readonly desired = new Map<string, string[]>();
  refreshes = 0;
  async lookup(resource: ResourceRef): Promise<DesiredLookup> {
    const rules = this.desired.get(resource.id);
    if (!rules) return { managed: false, reason: `no stack owns ${resource.id}` };
    return { managed: true, stack: 'network', address: `aws_security_group.${resource.id.replace(/-/g, '_')}`, attributes: { rules } };
  }
  async refresh(): Promise<void> {
    this.refreshes++;
  }
}

export class FakeAttribution extends AttributionPort {
  /** principal ARN per event id; default: an unknown principal. */
  readonly byEvent = new Map<string, string>();
  /** principal ARN per resource id, for tests that cannot know the event id in advance. */
  readonly byResource = new Map<string, string>();
  /** principal ARN per configurationStateId, for several items of one resource posted at once. */
  readonly byState = new Map<string, string>();
  /**
   * principal ARN per rule (`proto/port/cidr`, as `ruleOf` reads it): who made that difference, when
   * it is not the item's principal (per-change attribution: a change coalesced into a later item).
   */
  readonly byRule = new Map<string, string>();
  /** How long attribution takes (as waiting out CloudTrail's delivery lag does). */
  delayMs = 0;
  constructor(private readonly classify: (arn: string | null) => PrincipalClass) {
    super();
  }
  async attribute(item: ConfigItemEvent): Promise<Attribution> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const arn =
      this.byEvent.get(item.eventId) ??
      this.byState.get(String(item.configurationStateId ?? '')) ??
      this.byResource.get(item.resource.id) ??
      null;
    return { principal: { arn, class: this.classify(arn) }, changedAt: item.captureTime, source: arn ? 'cloudtrail-event' : 'none' };
  }
  /** Every difference of an item is the item's principal's (tests that need more use the real attribution). */
  async attributeDifferences(
    item: ConfigItemEvent,
    differences: readonly CandidateDifference[],
    _changes: unknown,
    options: { known?: ReadonlySet<string> } = {},
  ): Promise<Map<string, DifferenceAttribution>> {
    const { principal } = await this.attribute(item);
    differences = differences.filter((d) => !options.known?.has(d.id));
    const byOf = (arn: string | null): DifferenceAttribution =>
      arn
        ? {
            source: 'cloudtrail-event',
            principal: { arn, class: this.classify(arn) },
            at: item.captureTime,
            cloudTrailEventId: `fake-${item.eventId}-${arn}`,
            configEventId: item.eventId,
          }
        : {
            source: 'config-item',
            principal,
            at: item.captureTime,
            configEventId: item.eventId,
            unattributable: 'CloudTrail has no call that names it',
          };
    return new Map(
      differences.map((d) => {
        const rule = d.detail as unknown as PermissionRule;
        const text = rule.peer.kind === 'ipv4' ? `${rule.protocol}/${rule.fromPort}/${rule.peer.cidr}` : '';
        return [d.id, byOf(this.byRule.get(text) ?? principal.arn)];
      }),
    );
  }
}

export class FakeFreeze extends FreezePort {
  frozenNow = false;
  declaredAtChange = false;
  async view(_t: ScopeTarget, _c: Date, _n: Date): Promise<FreezeView> {
    return {
      freeze: {
        now: {
          frozen: this.frozenNow,
          sources: this.frozenNow ? [{ id: 'man_1', type: 'manual', reason: 'test', since: new Date().toISOString(), until: null }] : [],
        },
        atChange: { declared: this.declaredAtChange, unknown: false, withinLookback: false, sources: [] },
      },
    };
  }
}

export class OpenFence extends FencePort {
  calls = 0;
  async arm(): Promise<Fence> {
    return async () => {
      this.calls++;
    };
  }
}

export class NoExceptionsFake extends ExceptionsPort {
  async activeFor(): Promise<null> {
    return null;
  }
}

/** Records every write attempt; the dry-run test asserts there are none. */
export class SpyRemediation extends RemediationPort {
  readonly calls: string[] = [];
  async revert(drift: DriftRecord, fence: Fence): Promise<RevertResult> {
    await fence();
    this.calls.push(drift.id);
    const at = new Date().toISOString();
    return {
      verified: true,
      apiCalls: [{ service: 'ec2', operation: 'RevokeSecurityGroupIngress', request: { GroupId: drift.resource.id }, at }],
      afterState: { at, source: 'fake', verified: true },
    };
  }
}

export class SpyBackport extends BackportPort {
  readonly calls: string[] = [];
  async openOrUpdate(drift: DriftRecord): Promise<BackportResult> {
    this.calls.push(drift.id);
    return {
      kind: 'pull_request',
      links: { pullRequest: { url: `https://github.example/acme/infra/pull/${this.calls.length}`, number: this.calls.length } },
    };
  }
}
