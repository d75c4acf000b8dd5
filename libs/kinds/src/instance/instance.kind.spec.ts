import type { CloudTrailEvent, JsonObject } from '@driftwarden/domain';
import type { DesiredResource } from '@driftwarden/pipeline';
import type { IgnoreChanges } from '../stack-code';
import { InstanceKind, instanceCallChange } from './instance.kind';
import { protectionFromConfig } from './model';

const ID = 'i-0aa00000000000001';
const kind = new InstanceKind();
const read: IgnoreChanges = { read: true, commit: 'c0ffee0000000000', path: 'main.tf', ignored: [] };
const desired = (ignore: IgnoreChanges = read): DesiredResource => ({
  stack: 'shop',
  address: 'aws_instance.payments',
  attributes: {
    protection: {
      'metadata_options.http_tokens': 'required',
      'metadata_options.http_endpoint': 'enabled',
      disable_api_termination: true,
      disable_api_stop: false,
      instance_type: 't3.small',
      vpc_security_group_ids: ['sg-0a000000000000001'],
    },
    ignore: ignore as unknown as JsonObject,
    tainted: false,
  },
});
const live = (over: JsonObject = {}): JsonObject => ({
  instanceId: ID,
  instanceType: 't3.small',
  metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled' },
  securityGroups: [{ groupId: 'sg-0a000000000000001', groupName: 'web' }],
  ...over,
});
const ev = (eventName: string, requestParameters: JsonObject) =>
  ({ eventId: eventName, eventName, requestParameters }) as unknown as CloudTrailEvent;

describe('instance kind', () => {
  it('IMDSv1 allowed again weakens protection; its revert strengthens it (unattended)', () => {
    const a = kind.analyze(live({ metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled' } }), desired(), { resourceId: ID });
    expect(a.differences.map((d) => d.sentence)).toEqual([
      `allowed IMDSv1 again on ${ID} (http_tokens optional; the code requires tokens)`,
    ]);
    expect(kind.directions([a.differences]).get('metadata_options.http_tokens:changed')).toEqual({
      axis: 'protection',
      change: 'weakens',
      revert: 'strengthens',
    });
    expect(a.changeWidensExposure).toBe(true);
    expect(kind.revertNeedsHuman(a.differences[0], desired())).toBeNull();
  });

  it('a security group attached widens exposure; one detached narrows it; protection flags only when the item has them', () => {
    const a = kind.analyze(live({ securityGroups: [{ groupId: 'sg-0a000000000000009' }], disableApiTermination: false }), desired(), {
      resourceId: ID,
    });
    expect(a.differences.map((d) => [d.id, d.sentence])).toEqual([
      ['disable_api_termination:changed', `removed termination protection from ${ID}`],
      ['vpc_security_group_ids:sg-0a000000000000009:added', `attached security group sg-0a000000000000009 to ${ID}`],
      ['vpc_security_group_ids:sg-0a000000000000001:removed', `detached security group sg-0a000000000000001 from ${ID}`],
    ]);
    const dirs = kind.directions([a.differences]);
    expect(dirs.get('disable_api_termination:changed')?.change).toBe('weakens');
    expect(dirs.get('vpc_security_group_ids:sg-0a000000000000009:added')).toEqual({
      axis: 'exposure',
      change: 'widens',
      revert: 'narrows',
    });
    expect(dirs.get('vpc_security_group_ids:sg-0a000000000000001:removed')).toEqual({
      axis: 'exposure',
      change: 'narrows',
      revert: 'widens',
    });
    expect(kind.analyze(live(), desired(), { resourceId: ID }).explanations.join('\n')).toContain(
      'does not record termination or stop protection',
    );
  });

  it('an instance type change always waits for a human, saying why; so does any revert when the code could not be read', () => {
    const a = kind.analyze(live({ instanceType: 't3.large' }), desired(), { resourceId: ID });
    expect(kind.revertNeedsHuman(a.differences[0], desired())).toContain('needs the instance stopped');
    const b = kind.analyze(
      live({ metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled' } }),
      desired({ read: false, reason: 'GitHub: 502' }),
      { resourceId: ID },
    );
    expect(kind.revertNeedsHuman(b.differences[0], desired({ read: false, reason: 'GitHub: 502' }))).toContain(
      '(lifecycle.ignore_changes) is unknown',
    );
  });

  it('lifecycle.ignore_changes: ignored attributes (or their block) are not drift', () => {
    const a = kind.analyze(
      live({ metadataOptions: { httpTokens: 'optional', httpEndpoint: 'disabled' } }),
      desired({ ...read, ignored: ['metadata_options'] }),
      { resourceId: ID },
    );
    expect(a.differences).toEqual([]);
  });

  it('attribution from the request parameters as CloudTrail logs them', () => {
    expect(
      instanceCallChange(
        ev('ModifyInstanceMetadataOptions', { ModifyInstanceMetadataOptionsRequest: { InstanceId: ID, HttpTokens: 'optional' } }),
        [],
      ),
    ).toEqual({
      added: ['metadata_options.http_tokens'],
      removed: [],
    });
    expect(
      instanceCallChange(ev('ModifyInstanceAttribute', { instanceId: ID, disableApiTermination: { value: false } }), [])?.added,
    ).toEqual(['disable_api_termination']);
    expect(
      instanceCallChange(ev('ModifyInstanceAttribute', { instanceId: ID, attribute: 'disableApiStop', value: 'false' }), [])?.added,
    ).toEqual(['disable_api_stop']);
    expect(
      instanceCallChange(ev('ModifyInstanceAttribute', { instanceId: ID, groupSet: { items: [{ groupId: 'sg-2' }] } }), ['sg-1']),
    ).toEqual({
      added: ['vpc_security_group_ids:sg-2'],
      removed: ['vpc_security_group_ids:sg-1'],
    });
    expect(instanceCallChange(ev('ModifyInstanceAttribute', { instanceId: ID, sourceDestCheck: { value: false } }), [])).toBeNull();
  });

  it('bad input is a clear error: what, where, what was expected', () => {
    expect(() => protectionFromConfig({ metadataOptions: { httpTokens: 'maybe' } }, 'Config item of i-1')).toThrow(
      'Config item of i-1: configuration.metadataOptions.httpTokens is "maybe", expected "required" or "optional"',
    );
    expect(() => protectionFromConfig({ securityGroups: [{ groupId: 42 }] }, 'Config item of i-1')).toThrow(
      'configuration.securityGroups[0].groupId is 42, expected sg-…',
    );
  });
});
