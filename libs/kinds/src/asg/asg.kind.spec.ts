import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudTrailEvent, JsonObject } from '@driftwarden/domain';
import type { DesiredResource } from '@driftwarden/pipeline';
import { asgStateResource, terraformState, withResources } from '@driftwarden/sandbox/testing';
import { DesiredStateIndex, FileStateSource } from '@driftwarden/terraform-state';
import type { IgnoreChanges, StackCodePort } from '../stack-code';
import { AsgKind, asgCallChange } from './asg.kind';
import { capacityFromConfig, groupNameOf } from './model';
import { asgRegistration } from './registration';

const ARN =
  'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:6d1c9a3e-0000-4000-8000-000000000001:autoScalingGroupName/checkout';
const kind = new AsgKind();
const read: IgnoreChanges = { read: true, commit: 'c0ffee0000000000', path: 'terraform/shop/main.tf', ignored: [] };
const desired = (ignore: IgnoreChanges = read, capacity = { min_size: 4, max_size: 20, desired_capacity: 4 }): DesiredResource => ({
  stack: 'shop',
  address: 'aws_autoscaling_group.checkout',
  attributes: { name: 'checkout', capacity, ignore: ignore as unknown as JsonObject, tainted: false },
});
const live = (minSize: number, maxSize: number, desiredCapacity: number): JsonObject => ({
  autoScalingGroupName: 'checkout',
  autoScalingGroupARN: ARN,
  minSize,
  maxSize,
  desiredCapacity,
});
const event = (eventName: string, requestParameters: JsonObject): CloudTrailEvent =>
  ({ eventId: `ev-${eventName}`, eventName, requestParameters }) as unknown as CloudTrailEvent;

describe('asg kind', () => {
  it('a scale-up: each raised attribute is a difference; reverting lowers capacity and needs a human', () => {
    const a = kind.analyze(live(12, 20, 12), desired(), { resourceId: ARN });
    expect(a.differences.map((d) => [d.id, d.sentence])).toEqual([
      ['min_size:changed', 'raised min_size of checkout from 4 to 12'],
      ['desired_capacity:changed', 'raised desired_capacity of checkout from 4 to 12'],
    ]);
    expect(a.diff).toEqual({
      equal: false,
      attributes: [
        { path: 'min_size', live: 12, desired: 4 },
        { path: 'desired_capacity', live: 12, desired: 4 },
      ],
    });
    const dirs = kind.directions([a.differences]);
    expect(dirs.get('min_size:changed')).toEqual({ axis: 'capacity', change: 'raises', revert: 'lowers' });
    expect(a.changeWidensExposure).toBe(false);
    expect(a.revertWidensExposure).toBe(true);
    expect(kind.revertNeedsHuman(a.differences[0], desired())).toContain('reverting lowers min_size of checkout from 12 to 4');
  });

  it('a scale-down lowers capacity; its revert raises it and may go unattended', () => {
    const a = kind.analyze(live(1, 20, 1), desired(), { resourceId: ARN });
    expect(a.differences[0].sentence).toBe('lowered min_size of checkout from 4 to 1');
    expect(kind.directions([a.differences]).get('min_size:changed')).toEqual({
      axis: 'capacity',
      change: 'lowers',
      revert: 'raises',
    });
    expect(a.changeWidensExposure).toBe(true);
    expect(kind.revertNeedsHuman(a.differences[0], desired())).toBeNull();
  });

  it('lifecycle.ignore_changes: an ignored attribute is not drift, and the record says why', () => {
    const ignore: IgnoreChanges = { ...read, ignored: ['desired_capacity'] };
    const a = kind.analyze(live(4, 20, 9), desired(ignore), { resourceId: ARN });
    expect(a.differences).toEqual([]);
    expect(a.diff.equal).toBe(true);
    expect(a.explanations.join('\n')).toContain('the code ignores it (lifecycle.ignore_changes)');
    expect(kind.analyze(live(4, 20, 9), desired({ ...read, ignored: 'all' }), { resourceId: ARN }).differences).toEqual([]);
  });

  it('code that cannot be read: every attribute is compared, and no revert is made unattended (conservative)', () => {
    const unread: IgnoreChanges = { read: false, reason: 'GitHub: 503' };
    const a = kind.analyze(live(1, 20, 1), desired(unread), { resourceId: ARN });
    expect(a.differences.map((d) => d.key)).toEqual(['min_size', 'desired_capacity']);
    expect(a.explanations).toContain("the stack's code could not be read (GitHub: 503), so lifecycle.ignore_changes is unknown");
    expect(kind.revertNeedsHuman(a.differences[0], desired(unread))).toContain(
      'whether Terraform ignores min_size (lifecycle.ignore_changes) is unknown',
    );
  });

  it('a deleted group is a difference never reverted (never recreated)', () => {
    const a = kind.analyze(null, desired(), { resourceId: ARN });
    expect(a.differences[0]).toMatchObject({ key: 'group', side: 'removed', sentence: 'deleted the Auto Scaling group checkout' });
    expect(kind.revertNeedsHuman(a.differences[0], desired())).toContain('never recreates');
  });

  it('attribution: what each Auto Scaling call set, from its request parameters', () => {
    expect(
      asgCallChange(event('UpdateAutoScalingGroup', { autoScalingGroupName: 'checkout', minSize: 12, desiredCapacity: 12 }), 'checkout'),
    ).toEqual({
      added: ['min_size', 'desired_capacity'],
      removed: [],
    });
    expect(asgCallChange(event('SetDesiredCapacity', { autoScalingGroupName: 'checkout', desiredCapacity: 6 }), 'checkout')?.added).toEqual(
      ['desired_capacity'],
    );
    expect(
      asgCallChange(event('DetachInstances', { autoScalingGroupName: 'checkout', shouldDecrementDesiredCapacity: false }), 'checkout'),
    ).toBeNull();
    expect(
      asgCallChange(event('EnterStandby', { autoScalingGroupName: 'checkout', shouldDecrementDesiredCapacity: true }), 'checkout')?.added,
    ).toEqual(['desired_capacity']);
    expect(asgCallChange(event('UpdateAutoScalingGroup', { autoScalingGroupName: 'other', minSize: 1 }), 'checkout')).toBeNull();
    expect(asgCallChange(event('DeleteAutoScalingGroup', { autoScalingGroupName: 'checkout' }), 'checkout')?.all).toBe('removed');
    expect(kind.callChanges([event('SetDesiredCapacity', { autoScalingGroupName: 'checkout', desiredCapacity: 6 })], desired()).size).toBe(
      1,
    );
  });

  it('bad input is a clear error: what, where, what was expected', () => {
    expect(() => capacityFromConfig({ minSize: '4' }, 'Config item of checkout')).toThrow(
      'Config item of checkout: configuration.minSize is "4", expected a non-negative integer',
    );
    expect(groupNameOf(ARN)).toBe('checkout');
    expect(groupNameOf('checkout')).toBe('checkout');
    expect(() => groupNameOf('arn:aws:ec2:eu-west-1:1:instance/i-1')).toThrow('is not an Auto Scaling group ARN');
  });

  it('desired state: found by ARN or name in the stack covering it; the code is asked for ignore_changes (and its absence is said)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asg-state-'));
    const file = join(dir, 'shop.tfstate');
    const state = withResources(terraformState([]), [
      asgStateResource({ name: 'checkout', groupName: 'checkout', arn: ARN, minSize: 4, maxSize: 20, desiredCapacity: 4 }),
    ]);
    writeFileSync(file, JSON.stringify(state));
    const reg = asgRegistration();
    const index = new DesiredStateIndex(
      [{ name: 'shop', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file } }],
      () => new FileStateSource(file),
      { kinds: [reg.state] },
    );
    const ref = { type: 'AWS::AutoScaling::AutoScalingGroup', id: ARN, account: '111122223333', region: 'eu-west-1' };
    const before = await reg.desired(index, ref);
    expect(before).toMatchObject({
      managed: true,
      address: 'aws_autoscaling_group.checkout',
      attributes: { capacity: { min_size: 4 }, ignore: { read: false } },
    });
    const asked: string[] = [];
    const code: StackCodePort = {
      ignoreChanges: (stack, address) => (asked.push(`${stack} ${address}`), Promise.resolve({ ...read, ignored: ['desired_capacity'] })),
    };
    reg.useStackCode?.(code);
    const after = await reg.desired(index, { ...ref, id: 'checkout' });
    expect(after).toMatchObject({ managed: true, attributes: { ignore: { read: true, ignored: ['desired_capacity'] } } });
    expect(asked).toEqual(['shop aws_autoscaling_group.checkout']);
    expect(await reg.desired(index, { ...ref, id: 'nope' })).toMatchObject({ managed: false });
    expect(await reg.desired(index, { ...ref, account: '444455556666' })).toMatchObject({
      managed: false,
      reason: expect.stringContaining('no configured stack') as string,
    });
  });
});
