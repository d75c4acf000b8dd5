import type { CloudTrailEvent, ConfigItemEvent } from '@driftwarden/domain';
import { PrincipalClassifier } from '@driftwarden/domain';
import type { CloudTrailStore } from '@driftwarden/store';
import { CloudTrailAttribution, pickCause } from './cloudtrail-attribution.adapter';

const item = (captureTime: string): ConfigItemEvent => ({
  kind: 'config_item',
  eventId: 'ci_x',
  resource: { type: 'AWS::EC2::SecurityGroup', id: 'sg-1', account: '111122223333', region: 'eu-west-1' },
  captureTime,
  order: Date.parse(captureTime),
  status: 'OK',
  changeType: 'UPDATE',
  tags: {},
  configuration: {},
  changedProperties: [],
  delivery: { transport: 'http', shape: 'eventbridge', receivedAt: captureTime },
});

const call = (eventName: string, eventTime: string, arn: string, extra: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({
  kind: 'cloudtrail',
  eventId: `ct_${eventName}_${eventTime}`,
  eventName,
  eventSource: 'ec2.amazonaws.com',
  eventTime,
  account: '111122223333',
  region: 'eu-west-1',
  resourceIds: ['sg-1'],
  principal: { type: 'AssumedRole', arn },
  requestParameters: null,
  responseElements: null,
  delivery: { transport: 'http', shape: 'eventbridge', receivedAt: eventTime },
  ...extra,
});

const ALICE = 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com';
const TF = 'arn:aws:sts::111122223333:assumed-role/terraform-apply/run-42';
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/dev/mallory';

describe('pickCause', () => {
  it.each([
    [
      'the latest mutating call before the capture',
      [
        call('AuthorizeSecurityGroupIngress', '2025-03-04T10:10:00Z', TF),
        call('RevokeSecurityGroupIngress', '2025-03-04T10:15:26Z', ALICE),
      ],
      ALICE,
    ],
    [
      'not a failed call',
      [
        call('RevokeSecurityGroupIngress', '2025-03-04T10:15:26Z', MALLORY, { errorCode: 'UnauthorizedOperation' }),
        call('RevokeSecurityGroupIngress', '2025-03-04T10:14:00Z', ALICE),
      ],
      ALICE,
    ],
    [
      'not a read-only call',
      [call('DescribeSecurityGroups', '2025-03-04T10:15:27Z', MALLORY), call('ModifySecurityGroupRules', '2025-03-04T10:15:00Z', ALICE)],
      ALICE,
    ],
    ['not a call outside the window', [call('AuthorizeSecurityGroupIngress', '2025-03-04T09:00:00Z', MALLORY)], null],
    [
      'a call slightly after the capture (clock skew) when none is before',
      [call('AuthorizeSecurityGroupIngress', '2025-03-04T10:15:40Z', ALICE)],
      ALICE,
    ],
    ['nothing when there is no call', [], null],
  ])('picks %s', (_name, events, expected) => {
    const cause = pickCause(events, item('2025-03-04T10:15:28.502Z'));
    expect(cause?.principal.arn ?? null).toBe(expected);
  });

  it('ignores calls on other resources', () => {
    const other = call('AuthorizeSecurityGroupIngress', '2025-03-04T10:15:00Z', MALLORY, { resourceIds: ['sg-2'] });
    expect(pickCause([other], item('2025-03-04T10:15:28.502Z'))).toBeNull();
  });
});

describe('CloudTrailAttribution', () => {
  const classifier = new PrincipalClassifier({
    iac: ['arn:aws:sts::*:assumed-role/terraform-apply/*'],
    breakGlass: ['arn:aws:sts::*:assumed-role/BreakGlass*/*'],
    self: ['arn:aws:sts::*:assumed-role/driftwarden/*'],
  });
  const storeWith = (events: CloudTrailEvent[]) => ({ around: jest.fn().mockResolvedValue(events) }) as unknown as CloudTrailStore;

  it('classifies the principal, records the session (the human) and uses the call time as the change time', async () => {
    const a = new CloudTrailAttribution(storeWith([call('RevokeSecurityGroupIngress', '2025-03-04T10:15:26Z', ALICE)]), classifier);
    await expect(a.attribute(item('2025-03-04T10:15:28.502Z'))).resolves.toEqual({
      principal: { arn: ALICE, class: 'breakGlass', session: 'alice@example.com' },
      changedAt: '2025-03-04T10:15:26Z',
      cloudTrailEventId: 'ct_RevokeSecurityGroupIngress_2025-03-04T10:15:26Z',
      source: 'cloudtrail-event',
    });
  });

  it('falls back to an unknown principal and the capture time', async () => {
    const a = new CloudTrailAttribution(storeWith([]), classifier);
    await expect(a.attribute(item('2025-03-04T10:15:28.502Z'))).resolves.toEqual({
      principal: { arn: null, class: 'unknown' },
      changedAt: '2025-03-04T10:15:28.502Z',
      source: 'none',
    });
  });
});
