import { backportBranch } from '@driftwarden/backport';
import type { DriftRecord } from '@driftwarden/domain';
import { asgStateResource } from '@driftwarden/sandbox/testing';
import { git } from '../backport/backport-world';
import { KindsWorld, PRINCIPALS } from './kinds-world';

const MAIN_TF = `resource "aws_autoscaling_group" "checkout" {
  name             = "checkout"
  min_size         = 4
  max_size         = 20
  desired_capacity = 4

  # The autoscaler moves the desired capacity: Terraform leaves it alone.
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_group" "search" {
  name             = "search"
  min_size         = 2
  max_size         = 10
  desired_capacity = 2
}
`;

const GROUPS = {
  checkout: { minSize: 4, maxSize: 20, desiredCapacity: 4, team: 'checkout' },
  search: { minSize: 2, maxSize: 10, desiredCapacity: 2, team: 'search' },
};

/**
 * The Friday story of the `asg` kind, end to end (real controller, real Redis, the Auto Scaling
 * sandbox over HTTP, CloudTrail attribution from the calls, the code read through the GitHub
 * sandbox): during a freeze the on-call scales checkout up (an emergency patch: backport PR raises
 * min_size; desired_capacity is ignored by the code, so not drift); an attacker scales search down
 * (held, suspicious); once the freeze is lifted the scale-down is reverted (reverting raises
 * capacity) and verified; outside a freeze a raise of search's max_size is not reverted unattended
 * (reverting would lower capacity: it awaits approval, and says why).
 */
describe('asg: the Friday story', () => {
  const world = new KindsWorld();
  const arn: Record<string, string> = {};
  const asg = () => world.asg.autoscaling;

  beforeAll(async () => {
    await world.start({
      files: { 'terraform/shop/main.tf': MAIN_TF },
      setup: async (w) => {
        for (const [name, g] of Object.entries(GROUPS)) arn[name] = w.asg.addGroup({ name, ...g, tags: { team: g.team } });
      },
      stateResources: () => Object.entries(GROUPS).map(([name, g]) => asgStateResource({ name, groupName: name, arn: arn[name], ...g })),
      env: () => ({}),
    });
  }, 60_000);
  afterAll(() => world.stop());

  it('emergency scale-up during a freeze → backport PR raises min_size (desired_capacity is ignored by the code)', async () => {
    const freeze = await world.freeze('incident: checkout returns 5xx');
    // The sandbox dates each call half a second before Config captures it: be well inside the freeze.
    await new Promise((r) => setTimeout(r, 1_000));
    await world.asg.scale('checkout', { minSize: 12, desiredCapacity: 12 }, PRINCIPALS.oncall);
    const d = await world.driftOf(arn.checkout, (x) => x.status === 'backport_open' && Boolean(x.links.pullRequest), 'the backport PR');
    expect(d.resource).toMatchObject({ kind: 'asg', address: 'aws_autoscaling_group.checkout', stack: 'shop' });
    expect(d.differences?.map((x) => [x.id, x.sentence, x.decision.action, x.madeBy.principal.arn])).toEqual([
      ['min_size:changed', 'raised min_size of checkout from 4 to 12', 'backport', PRINCIPALS.oncall],
    ]);
    expect(d.differences?.[0].direction).toEqual({ axis: 'capacity', change: 'raises', revert: 'lowers' });
    const diff = git(world.github, 'diff', `main...${backportBranch(arn.checkout)}`);
    expect(diff).toContain('-  min_size         = 4\n+  min_size         = 12');
    expect(diff).not.toContain('desired_capacity = 12');
    const pr = world.github.pullRequests().find((p) => p.head === backportBranch(arn.checkout));
    expect(pr?.title).toContain('raised min_size of checkout from 4 to 12');
    // Never reverted: the capacity the on-call set stays.
    expect(asg().group('checkout')).toMatchObject({ minSize: 12, desiredCapacity: 12 });

    // An attacker scales search down during the same freeze: held, suspicious.
    await world.asg.scale('search', { minSize: 0, desiredCapacity: 0 }, PRINCIPALS.attacker);
    const held = await world.driftOf(arn.search, (x) => x.status === 'held', 'the held scale-down');
    expect(held.flags).toContain('suspicious');
    expect(held.differences?.map((x) => [x.sentence, x.decision.action])).toEqual([
      ['lowered min_size of search from 2 to 0', 'hold'],
      ['lowered desired_capacity of search from 2 to 0', 'hold'],
    ]);
    expect(asg().group('search').minSize).toBe(0);

    // The freeze ends: the scale-down is reverted (reverting raises capacity) and verified.
    await world.lift(freeze);
    const reverted = await world.driftOf(
      arn.search,
      (x) => x.id === held.id && x.status === 'reverted',
      'the revert of the scale-down',
      30_000,
    );
    expect(reverted.evidence.apiCalls.map((c) => c.operation)).toEqual([
      'DescribeAutoScalingGroups',
      'UpdateAutoScalingGroup',
      'DescribeAutoScalingGroups',
    ]);
    expect(asg().group('search')).toMatchObject({ minSize: 2, desiredCapacity: 2 });
    // The emergency patch stays.
    expect(asg().group('checkout').minSize).toBe(12);
  });

  it('outside a freeze: a raise of max_size is not reverted unattended (reverting lowers capacity)', async () => {
    await world.asg.scale('search', { maxSize: 30 }, PRINCIPALS.developer);
    const waiting: DriftRecord = await world.driftOf(
      arn.search,
      (x) => x.status === 'awaiting_approval' && Boolean(x.differences?.some((d) => d.key === 'max_size')),
      'the approval wait',
    );
    // Listed by kind, as `driftwarden drifts --kind asg` asks.
    const byKind = await world.api<{ items: DriftRecord[] }>('GET', '/v1/drifts?kind=asg&limit=50');
    expect(new Set(byKind.body.items.map((x) => x.resource.kind))).toEqual(new Set(['asg']));
    expect(byKind.body.items.map((x) => x.resource.id)).toEqual(expect.arrayContaining([arn.checkout, arn.search]));
    expect((await world.api<{ items: DriftRecord[] }>('GET', '/v1/drifts?kind=instance')).body.items).toEqual([]);
    const d = waiting.differences!.find((x) => x.key === 'max_size')!;
    expect(d.sentence).toBe('raised max_size of search from 10 to 30');
    expect(d.decision.reason).toContain('reverting lowers max_size of search from 30 to 10');
    expect(asg().group('search').maxSize).toBe(30);
  });
});
