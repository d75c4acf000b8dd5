import type { CloudTrailEvent, ConfigItemEvent, DriftDifference } from '@driftwarden/domain';
import { KindRegistry, type DesiredResource } from '@driftwarden/pipeline';
import { DesiredStateIndex, StackStateIndex } from '@driftwarden/terraform-state';
import { SecurityGroupKind } from '../security-group/security-group.kind';
import { observedDesired } from './desired-state';
import { ObservedKind } from './observed.kind';
import { DELETED_KEY, UNKNOWN_CHANGE_KEY, observedDifferences, type ObservedDetail } from './property-differences';
import { observedTrackingIssue } from './tracking-issue';

type Item = Parameters<typeof observedDifferences>[0]['item'];

function item(stateId: number, at: string, changes: ConfigItemEvent['propertyChanges'], extra: Partial<Item> = {}): Item {
  return {
    eventId: `ci_${stateId}`,
    captureTime: at,
    status: 'OK',
    changeType: 'UPDATE',
    configurationStateId: stateId,
    ...(changes ? { propertyChanges: changes } : {}),
    ...extra,
  };
}

/** What the pipeline records for candidates (attribution and decision filled in). */
function recorded(candidates: ReturnType<typeof observedDifferences>): DriftDifference[] {
  return candidates.map((c) => ({
    ...c,
    direction: { axis: 'exposure', change: 'neutral', revert: 'neutral' },
    madeBy: { source: 'config-item', principal: { arn: null, class: 'unknown' }, at: '2026-01-01T00:00:00.000Z', configEventId: 'x' },
    decision: { action: 'observe', rule: 6, reason: 'r', at: '2026-01-01T00:00:00.000Z' },
    firstSeen: { at: '2026-01-01T00:00:00.000Z', eventId: 'x' },
  }));
}

const T1 = '2026-12-06T10:00:00.000Z';
const T2 = '2026-12-06T10:05:00.000Z';
const T3 = '2026-12-06T10:10:00.000Z';

describe('observed differences (what Config says changed, carried on the open drift)', () => {
  it('one difference per property, in plain English, by side', () => {
    const out = observedDifferences({
      item: item(1, T1, {
        'Configuration.Size': { previousValue: 100, updatedValue: 200, changeType: 'UPDATE' },
        'SupplementaryConfiguration.Policy': { previousValue: null, updatedValue: { Statement: [] }, changeType: 'CREATE' },
        'Relationships.0': { previousValue: { resourceId: 'i-1' }, updatedValue: null, changeType: 'DELETE' },
      }),
    });
    expect(out.map((d) => [d.id, d.side, d.sentence])).toEqual([
      ['configuration.size#1', 'changed', 'changed Configuration.Size from 100 to 200'],
      ['relationships.0#1', 'removed', 'removed Relationships.0 (was {"resourceId":"i-1"})'],
      ['supplementaryconfiguration.policy#1', 'added', 'added SupplementaryConfiguration.Policy: {"Statement":[]}'],
    ]);
  });

  it('carries earlier differences; a later change of the same property (any casing) is a new difference from the first-seen value', () => {
    const first = recorded(
      observedDifferences({ item: item(1, T1, { 'Configuration.Size': { previousValue: 100, updatedValue: 200, changeType: 'UPDATE' } }) }),
    );
    const second = observedDifferences({
      item: item(2, T2, {
        'configuration.size': { previousValue: 200, updatedValue: 300, changeType: 'UPDATE' },
        'Configuration.Iops': { previousValue: 3000, updatedValue: 6000, changeType: 'UPDATE' },
      }),
      previous: first,
    });
    expect(second.map((d) => [d.id, d.sentence])).toEqual([
      ['configuration.iops#2', 'changed Configuration.Iops from 3000 to 6000'],
      ['configuration.size#2', 'changed configuration.size from 100 to 300'],
    ]);
    // Calls before the previous change cannot have made this one.
    expect((second[0].detail as unknown as ObservedDetail).since).toBe(T1);
  });

  it('a property set back to its first-seen value is gone (undone by hand); objects compare whatever their key order', () => {
    const first = recorded(
      observedDifferences({
        item: item(1, T1, { 'Configuration.Tags': { previousValue: { a: 1, b: 2 }, updatedValue: { a: 9, b: 2 }, changeType: 'UPDATE' } }),
      }),
    );
    const back = observedDifferences({
      item: item(2, T2, { 'Configuration.Tags': { previousValue: { a: 9, b: 2 }, updatedValue: { b: 2, a: 1 }, changeType: 'UPDATE' } }),
      previous: first,
    });
    expect(back).toEqual([]);
  });

  it('an IaC apply ends the differences of the properties it touched and adds none', () => {
    const first = recorded(
      observedDifferences({
        item: item(1, T1, {
          'Configuration.Size': { previousValue: 100, updatedValue: 200, changeType: 'UPDATE' },
          'Configuration.Iops': { previousValue: 3000, updatedValue: 6000, changeType: 'UPDATE' },
        }),
      }),
    );
    const applied = observedDifferences({
      item: item(2, T2, { 'Configuration.Size': { previousValue: 200, updatedValue: 250, changeType: 'UPDATE' } }),
      previous: first,
      applied: true,
    });
    expect(applied.map((d) => d.key)).toEqual(['configuration.iops']);
  });

  it('a deletion is one difference; an UPDATE without a diff says what changed is unknown; a discovery without properties is nothing', () => {
    expect(observedDifferences({ item: item(3, T3, undefined, { status: 'ResourceDeleted', changeType: 'DELETE' }) })).toEqual([
      expect.objectContaining({ key: DELETED_KEY, side: 'removed', sentence: 'deleted the resource (AWS Config: ResourceDeleted)' }),
    ]);
    expect(observedDifferences({ item: item(3, T3, undefined) })).toEqual([
      expect.objectContaining({ key: UNKNOWN_CHANGE_KEY, sentence: expect.stringContaining('sent no property diff') as unknown }),
    ]);
    expect(observedDifferences({ item: item(3, T3, {}, { status: 'ResourceDiscovered', changeType: 'CREATE' }) })).toEqual([]);
  });

  it('long values are cut in the sentence, kept whole in the detail', () => {
    const policy = 'x'.repeat(500);
    const [d] = observedDifferences({
      item: item(1, T1, { 'Configuration.Policy': { previousValue: 'a', updatedValue: policy, changeType: 'UPDATE' } }),
    });
    expect(d.sentence.length).toBeLessThan(220);
    expect(d.sentence.endsWith('…')).toBe(true);
    expect((d.detail as unknown as ObservedDetail).updatedValue).toBe(policy);
  });
});

describe('ObservedKind', () => {
  const kind = new ObservedKind();
  const desired: DesiredResource = { stack: 'data', address: 'aws_ebs_volume.data', attributes: { terraformType: 'aws_ebs_volume' } };
  const call = (id: string, at: string, extra: Partial<CloudTrailEvent> = {}): CloudTrailEvent =>
    ({
      kind: 'cloudtrail',
      eventId: id,
      eventName: 'ModifyVolume',
      eventSource: 'ec2.amazonaws.com',
      eventTime: at,
      account: '111122223333',
      region: 'eu-west-1',
      resourceIds: ['vol-1'],
      principal: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/dev/dave' },
      requestParameters: null,
      responseElements: null,
      ...extra,
    }) as CloudTrailEvent;

  it('analyze needs the item, never widens, and explains that nothing is reverted', () => {
    expect(() => kind.analyze(null, desired, { resourceId: 'vol-1' })).toThrow(/context.item/);
    const a = kind.analyze(null, desired, {
      resourceId: 'vol-1',
      item: item(1, T1, { 'Configuration.Size': { previousValue: 1, updatedValue: 2, changeType: 'UPDATE' } }),
    });
    expect(a.diff).toEqual({ equal: false, changes: [expect.objectContaining({ property: 'Configuration.Size' })] });
    expect(a.changeWidensExposure || a.revertWidensExposure).toBe(false);
    expect(a.explanations[0]).toContain('never reverts');
    expect(kind.neverReverted('AWS::EC2::Volume')).toContain('AWS::EC2::Volume');
  });

  it('callChanges: the newest change is made by the successful mutating calls between the previous change and its capture', () => {
    const first = recorded(
      observedDifferences({ item: item(1, T1, { 'Configuration.Size': { previousValue: 1, updatedValue: 2, changeType: 'UPDATE' } }) }),
    );
    const current = observedDifferences({
      item: item(2, T2, { 'Configuration.Iops': { previousValue: null, updatedValue: 6000, changeType: 'CREATE' } }),
      previous: first,
    });
    const changes = kind.callChanges(
      [
        call('before-previous', '2026-12-06T09:59:00.000Z'),
        call('between', '2026-12-06T10:04:00.000Z'),
        call('read', '2026-12-06T10:04:10.000Z', { eventName: 'DescribeVolumes' }),
        call('failed', '2026-12-06T10:04:20.000Z', { errorCode: 'UnauthorizedOperation' }),
        call('long-after', '2026-12-06T10:07:00.000Z'),
      ],
      desired,
      { resourceId: 'vol-1', differences: current },
    );
    expect(changes.get('between')).toEqual({ added: ['configuration.iops'], removed: [] });
    for (const id of ['before-previous', 'read', 'failed', 'long-after']) expect(changes.get(id)).toBeNull();
  });

  it('directions are neutral (not judged: nothing is ever reverted)', () => {
    const ds = observedDifferences({
      item: item(1, T1, { 'Configuration.Size': { previousValue: 1, updatedValue: 2, changeType: 'UPDATE' } }),
    });
    expect([...kind.directions([ds]).values()]).toEqual([{ axis: 'exposure', change: 'neutral', revert: 'neutral' }]);
  });
});

describe('the catch-all in the registry', () => {
  it('takes every type no kind claims; a second catch-all is refused', () => {
    const registry = new KindRegistry([new SecurityGroupKind(), new ObservedKind()]);
    expect(registry.forType('AWS::EC2::SecurityGroup')?.name).toBe('security-group');
    expect(registry.forType('AWS::RDS::DBInstance')?.name).toBe('observed');
    expect(() => new KindRegistry([new ObservedKind(), Object.assign(new ObservedKind(), { name: 'other' })])).toThrow(/two catch-all/);
  });
});

describe('observedDesired (the generic id/arn → address index of every stack)', () => {
  const state = (resources: unknown[]) => ({ version: 4, serial: 1, lineage: 'l', resources });
  const inst = (attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ schema_version: 0, attributes, ...extra });
  function index(resources: unknown[]): DesiredStateIndex {
    const stacks = [{ name: 'data', accounts: ['111122223333'], regions: ['eu-west-1'], state: { file: '/dev/null' } }];
    const idx = new DesiredStateIndex(stacks as never, () => ({}) as never);
    const built = new StackStateIndex('data', state(resources) as never);
    // Answer from the built index without reading a file.
    (idx as unknown as { ready: () => Promise<StackStateIndex[]> }).ready = () => Promise.resolve([built]);
    return idx;
  }
  const ARN = 'arn:aws:s3:::logs';

  it('finds the resource by id, preferring the instance whose ARN is the resource’s over sub-resources sharing the id', async () => {
    const idx = index([
      { mode: 'managed', type: 'aws_s3_bucket_versioning', name: 'logs', instances: [inst({ id: 'logs' })] },
      { mode: 'managed', type: 'aws_s3_bucket', name: 'logs', instances: [inst({ id: 'logs', arn: ARN })] },
    ]);
    const found = await observedDesired(idx, {
      type: 'AWS::S3::Bucket',
      id: 'logs',
      account: '111122223333',
      region: 'eu-west-1',
      arn: ARN,
    });
    expect(found).toMatchObject({
      managed: true,
      stack: 'data',
      address: 'aws_s3_bucket.logs',
      attributes: { terraformType: 'aws_s3_bucket' },
    });
    expect((found as unknown as { attributes: { addresses: string[] } }).attributes.addresses).toHaveLength(2);
  });

  it('finds it by ARN when Config’s id is not Terraform’s (an IAM role: AROA… id, name in the ARN)', async () => {
    const role = 'arn:aws:iam::111122223333:role/app';
    const idx = index([{ mode: 'managed', type: 'aws_iam_role', name: 'app', instances: [inst({ id: 'app', arn: role })] }]);
    const found = await observedDesired(idx, {
      type: 'AWS::IAM::Role',
      id: 'AROAEXAMPLE',
      account: '111122223333',
      region: 'eu-west-1',
      arn: role,
    });
    expect(found).toMatchObject({ managed: true, address: 'aws_iam_role.app' });
  });

  it('unmanaged when no state holds it, saying which stacks were looked at', async () => {
    const idx = index([]);
    const found = await observedDesired(idx, { type: 'AWS::EC2::Volume', id: 'vol-9', account: '111122223333', region: 'eu-west-1' });
    expect(found).toEqual({ managed: false, reason: "no configured stack's Terraform state (data) holds AWS::EC2::Volume vol-9" });
  });
});

describe('tracking issue texts', () => {
  it('say what changed, who, when, and codify or undo by hand; the marker goes last', () => {
    const [d] = recorded(
      observedDifferences({ item: item(1, T1, { 'Configuration.Size': { previousValue: 1, updatedValue: 2, changeType: 'UPDATE' } }) }),
    );
    const drift = {
      id: 'drf_1',
      resource: {
        type: 'AWS::EC2::Volume',
        id: 'vol-1',
        account: '111122223333',
        region: 'eu-west-1',
        address: 'aws_ebs_volume.data',
        stack: 'data',
      },
      evidence: {
        freeze: {
          now: { frozen: true, sources: [] },
          atChange: {
            declared: true,
            unknown: false,
            withinLookback: false,
            sources: [{ id: 'f', type: 'manual', reason: 'bridge', since: T1, until: null }],
          },
        },
      },
      differences: [
        {
          ...d,
          madeBy: {
            ...d.madeBy,
            principal: { arn: 'arn:aws:sts::1:assumed-role/BreakGlass/alice', class: 'breakGlass', session: 'alice' },
          },
          decision: { ...d.decision, action: 'backport' },
        },
      ],
    } as never;
    const body = observedTrackingIssue.body(drift, 'acme/infra/terraform/data', '<!-- m -->');
    expect(body).toContain('**changed** Configuration.Size from 1 to 2 — by **alice**');
    expect(body).toContain('During a manual freeze (bridge)');
    expect(body).toContain('codify it in Terraform, or undo it by hand');
    expect(body.trimEnd().endsWith('<!-- m -->')).toBe(true);
    expect(observedTrackingIssue.title(drift)).toBe('Changed by hand: AWS::EC2::Volume vol-1 (aws_ebs_volume.data): codify or undo');
  });
});
