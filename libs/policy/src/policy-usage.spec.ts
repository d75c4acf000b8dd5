import { parsePolicies } from './policy-set';
import { policyUsage, prune, usageByAction } from './policy-usage';

const usageOf = (text: string) => policyUsage(parsePolicies([{ file: 'p.cedar', text }], ['Europe/Berlin']));

describe('policyUsage: what a policy set can look at', () => {
  it('the actions each policy applies to (all of them when unconstrained)', () => {
    expect([...usageOf('forbid (principal, action == Action::"revert", resource);').actions]).toEqual(['revert']);
    expect([...usageOf('forbid (principal, action in [Action::"backport", Action::"hold"], resource);').actions].sort()).toEqual([
      'backport',
      'hold',
    ]);
    expect(usageOf('forbid (principal, action, resource);').actions.size).toBe(5);
  });

  it('the context and resource attributes read, by dot, index or has', () => {
    const u = usageOf(
      'forbid (principal, action, resource) when { context.time.zones["Europe/Berlin"].hour < 9 && context has difference && context["incident"].open && resource.account == "1" };',
    );
    expect(u.context).toEqual(
      new Map<string, unknown>([
        ['time', new Map([['zones', new Map([['Europe/Berlin', new Map([['hour', true]])]])]])],
        // `has` tests presence only: the key is kept, not what is under it.
        ['difference', new Map()],
        ['incident', new Map([['open', true]])],
      ]),
    );
    expect([...(u.resource ?? [])]).toEqual(['account']);
  });

  it('`has` keeps the attribute it tests (not its content), and what other paths read below it', () => {
    const u = usageOf(
      'forbid (principal, action, resource) when { context has difference && context.difference.axis == "capacity" && context has incident };',
    );
    const ctx = { difference: { id: 'd', sentence: 'long', axis: 'capacity' }, incident: { open: true, id: 'Q1' }, rule: 6 };
    expect(prune(ctx, u.context!)).toEqual({ difference: { axis: 'capacity' }, incident: {} });
    expect(prune({ rule: 6 }, u.context!)).toEqual({});
    // A later read of the whole value keeps it whole, in either order.
    const whole = usageOf('forbid (principal, action, resource) when { context has incident && context.incident == context.incident };');
    expect(prune(ctx, whole.context!)).toEqual({ incident: { open: true, id: 'Q1' } });
  });

  it('per action: only the policies that apply to it, and only what they read', () => {
    const by = usageByAction(
      parsePolicies(
        [
          {
            file: 'p.cedar',
            text: [
              '@id("a") forbid (principal, action == Action::"revert", resource) when { context.time.utc.hour < 9 && resource.account == "1" };',
              '@id("b") forbid (principal, action in [Action::"revert", Action::"await_approval"], resource) when { context.incident.open };',
            ].join('\n'),
          },
        ],
        ['Europe/Berlin'],
      ),
    );
    expect([...by.keys()].sort()).toEqual(['await_approval', 'revert']);
    expect(by.get('revert')!.policies.map((p) => p.id)).toEqual(['a', 'b']);
    expect(by.get('await_approval')!.policies.map((p) => p.id)).toEqual(['b']);
    expect(by.get('await_approval')!.usage.context).toEqual(new Map([['incident', new Map([['open', true]])]]));
    expect([...by.get('await_approval')!.usage.resource!]).toEqual([]);
    expect([...by.get('revert')!.usage.resource!]).toEqual(['account']);
  });

  it('prunes a value to the paths read, keeping the end of each path whole', () => {
    const u = usageOf('forbid (principal, action, resource) when { context.time.utc.hour < 9 && context.freeze == context.freeze };');
    const ctx = { time: { iso: 'x', utc: { hour: 3, minute: 1 }, zones: {} }, freeze: { frozen: true, sources: ['manual'] }, rule: 6 };
    expect(prune(ctx, u.context!)).toEqual({ time: { utc: { hour: 3 } }, freeze: { frozen: true, sources: ['manual'] } });
  });

  it('tags are read through hasTag/getTag without reading every attribute', () => {
    const u = usageOf('forbid (principal, action, resource) when { resource.hasTag("env") && resource.getTag("env") == resource.region };');
    expect([...(u.resource ?? ['(all)'])]).toEqual(['region']);
  });

  it('a policy that uses `context` or `resource` as a whole reads everything', () => {
    expect(usageOf('forbid (principal, action, resource) when { context == context };').context).toBeNull();
    expect(usageOf('forbid (principal, action, resource) when { resource == resource };').resource).toBeNull();
  });
});
