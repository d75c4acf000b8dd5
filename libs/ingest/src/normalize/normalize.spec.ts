import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type {
  CloudTrailEvent,
  ComplianceEvent,
  ConfigItemEvent,
  DeliveryShape,
  InternalEvent,
  Problem,
  Transport,
} from '@driftwarden/domain';
import {
  bareNotification,
  deletePath,
  legacy2014Notification,
  sample,
  sampleText,
  setPath,
  snsEnvelope,
  type JsonObject,
} from '../../test/samples';
import { normalizeDelivery, type NormalizeResult } from './normalize';

const RECEIVED_AT = '2025-03-04T10:15:31.000Z';
const SG = 'sg-0abc1234def567890';
const SG_ARN = 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890';
const EB_ID = '0f6b1b1e-4c1d-4d6a-9e7e-3b1f0c2d9a11';
const SNS_ID = '2f6a9c1e-8b7d-5e4f-9a3b-1c0d2e3f4a5b';

function ok(result: NormalizeResult): InternalEvent[] {
  if (!result.ok) throw new Error(`expected ok, got problems ${JSON.stringify(result.problems, null, 2)}`);
  return result.events;
}
function only<K extends InternalEvent['kind']>(result: NormalizeResult, kind: K): Extract<InternalEvent, { kind: K }> {
  const events = ok(result);
  expect(events).toHaveLength(1);
  expect(events[0].kind).toBe(kind);
  return events[0] as Extract<InternalEvent, { kind: K }>;
}
function problems(result: NormalizeResult): Problem[] {
  if (result.ok) throw new Error(`expected problems, got events ${JSON.stringify(result.events)}`);
  return result.problems;
}
function run(raw: unknown, transport: Transport = 'http'): NormalizeResult {
  return normalizeDelivery(raw, { transport, receivedAt: RECEIVED_AT });
}
function expectedId(key: string, prefix = 'ci_'): string {
  return prefix + createHash('sha256').update(key).digest('hex').slice(0, 32);
}

const SSH_OPEN_CONFIGURATION = ((sample('config-item-change')['detail'] as JsonObject)['configurationItem'] as JsonObject)[
  'configuration'
] as Record<string, unknown>;

const SSH_OPEN_DIFF = ((sample('config-item-change')['detail'] as JsonObject)['configurationItemDiff'] as JsonObject)[
  'changedProperties'
] as Record<string, JsonObject>;

/** The config item every envelope of config-item-change.json must produce (delivery aside). */
const SSH_OPEN_ITEM: Omit<ConfigItemEvent, 'delivery'> = {
  kind: 'config_item',
  eventId: expectedId(`AWS::EC2::SecurityGroup|${SG}|111122223333|eu-west-1|1741083328502`),
  resource: { type: 'AWS::EC2::SecurityGroup', id: SG, account: '111122223333', region: 'eu-west-1', arn: SG_ARN, name: 'web-sg' },
  captureTime: '2025-03-04T10:15:28.502Z',
  order: 1741083328502,
  configurationStateId: 1741083328502,
  status: 'OK',
  changeType: 'UPDATE',
  tags: { team: 'payments' },
  configuration: SSH_OPEN_CONFIGURATION,
  changedProperties: ['Configuration.IpPermissions.1'],
  propertyChanges: {
    'Configuration.IpPermissions.1': {
      changeType: 'CREATE',
      previousValue: null,
      updatedValue: SSH_OPEN_DIFF['Configuration.IpPermissions.1']['updatedValue'] as NonNullable<
        ConfigItemEvent['propertyChanges']
      >[string]['updatedValue'],
    },
  },
};

describe('normalizeDelivery: every delivery shape of one config item (CONTRACTS §A7)', () => {
  const ebText = sampleText('config-item-change');
  const cases: Array<{
    name: string;
    raw: () => unknown;
    transport: Transport;
    shape: DeliveryShape;
    envelopeId: string | undefined;
  }> = [
    {
      name: 'EventBridge event object (HTTP)',
      raw: () => sample('config-item-change'),
      transport: 'http',
      shape: 'eventbridge',
      envelopeId: EB_ID,
    },
    { name: 'EventBridge JSON string (SQS body)', raw: () => ebText, transport: 'sqs', shape: 'eventbridge', envelopeId: EB_ID },
    { name: 'JSON-lines line with trailing CR', raw: () => `${ebText}\r`, transport: 'replay', shape: 'eventbridge', envelopeId: EB_ID },
    {
      name: 'SNS envelope whose Message is the EventBridge event',
      raw: () => snsEnvelope(ebText),
      transport: 'http',
      shape: 'sns',
      envelopeId: EB_ID,
    },
    {
      name: 'SNS envelope whose Message is the bare notification',
      raw: () => sample('sns-config-item-change'),
      transport: 'http',
      shape: 'sns',
      envelopeId: SNS_ID,
    },
    {
      name: 'SQS body holding the SNS envelope (two parses)',
      raw: () => sampleText('sns-config-item-change'),
      transport: 'sqs',
      shape: 'sns',
      envelopeId: SNS_ID,
    },
    {
      name: 'bare notification object',
      raw: () => bareNotification('config-item-change'),
      transport: 'http',
      shape: 'bare',
      envelopeId: undefined,
    },
    {
      name: 'bare notification (SQS raw delivery)',
      raw: () => JSON.stringify(bareNotification('config-item-change')),
      transport: 'sqs',
      shape: 'bare',
      envelopeId: undefined,
    },
  ];

  it.each(cases)('$name', ({ raw, transport, shape, envelopeId }) => {
    const event = only(run(raw(), transport), 'config_item');
    const { delivery, ...rest } = event;
    expect(rest).toEqual(SSH_OPEN_ITEM);
    expect(delivery).toEqual(
      envelopeId === undefined ? { transport, shape, receivedAt: RECEIVED_AT } : { transport, shape, envelopeId, receivedAt: RECEIVED_AT },
    );
  });

  it('gives the same eventId to the same item whatever the envelope', () => {
    const ids = cases.map(({ raw, transport }) => only(run(raw(), transport), 'config_item').eventId);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^ci_[0-9a-f]{32}$/);
  });

  it('passes an object configuration through by reference (ipRanges and ipv4Ranges as sent)', () => {
    const raw = sample('config-item-change');
    const configuration = ((raw['detail'] as JsonObject)['configurationItem'] as JsonObject)['configuration'];
    expect(only(run(raw), 'config_item').configuration).toBe(configuration);
  });

  it('keeps a CI 1.2 configuration with only the legacy ipRanges string array untouched', () => {
    const raw = sample('config-item-change');
    const perm = { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['0.0.0.0/0'], userIdGroupPairs: [] };
    setPath(raw, ['detail', 'configurationItem', 'configuration', 'ipPermissions'], [perm]);
    const configuration = only(run(JSON.stringify(raw)), 'config_item').configuration;
    expect(configuration?.['ipPermissions']).toEqual([perm]);
    expect(configuration?.['ipPermissions']).not.toEqual([expect.objectContaining({ ipv4Ranges: expect.anything() })]);
  });

  it('accepts UTF-8 bytes and ignores a leading BOM', () => {
    const bytes = new TextEncoder().encode(`\uFEFF${ebText}`);
    expect(only(run(bytes), 'config_item').eventId).toBe(SSH_OPEN_ITEM.eventId);
    expect(only(run(`\uFEFF${ebText}`, 'replay'), 'config_item').eventId).toBe(SSH_OPEN_ITEM.eventId);
  });

  it('uses receivedAt = now when the context gives none', () => {
    const before = Date.now();
    const event = only(normalizeDelivery(sample('config-item-change'), { transport: 'http' }), 'config_item');
    expect(Date.parse(event.delivery.receivedAt)).toBeGreaterThanOrEqual(before);
  });
});

describe('normalizeDelivery: config item variants', () => {
  it('oversized: no configuration, S3 location from s3DeliverySummary, order = configurationStateId', () => {
    const raw = sample('config-item-oversized');
    const s3 = ((raw['detail'] as JsonObject)['s3DeliverySummary'] as JsonObject)['s3BucketLocation'];
    const event = only(run(raw), 'config_item');
    expect(event).toEqual({
      kind: 'config_item',
      eventId: expectedId(`AWS::EC2::SecurityGroup|${SG}|111122223333|eu-west-1|1741086000101`),
      resource: { type: 'AWS::EC2::SecurityGroup', id: SG, account: '111122223333', region: 'eu-west-1', arn: SG_ARN, name: 'web-sg' },
      captureTime: '2025-03-04T11:00:00.101Z',
      order: 1741086000101,
      configurationStateId: 1741086000101,
      status: 'OK',
      changeType: 'UPDATE',
      tags: {},
      configuration: null,
      oversized: { s3BucketLocation: s3 },
      changedProperties: [],
      delivery: { transport: 'http', shape: 'eventbridge', envelopeId: '3a9f0c1d-2b3e-4f50-8a6b-7c8d9e0f1a2b', receivedAt: RECEIVED_AT },
    });
  });

  it('oversized without s3DeliverySummary: s3BucketLocation null', () => {
    const raw = deletePath(sample('config-item-oversized'), ['detail', 's3DeliverySummary']);
    expect(only(run(raw), 'config_item').oversized).toEqual({ s3BucketLocation: null });
  });

  it('oversized through SNS (bare oversized notification) has the same eventId', () => {
    const viaEb = only(run(sample('config-item-oversized')), 'config_item');
    const viaSns = only(run(JSON.stringify(snsEnvelope(bareNotification('config-item-oversized'))), 'sqs'), 'config_item');
    expect(viaSns.eventId).toBe(viaEb.eventId);
    expect(viaSns.oversized).toEqual(viaEb.oversized);
  });

  it.each([
    { name: 'diff DELETE', diff: 'keep' as const },
    { name: 'diff null', diff: null },
    { name: 'diff absent', diff: 'absent' as const },
  ])('deleted resource with $name: status ResourceDeleted, configuration null, changeType DELETE', ({ diff }) => {
    const raw = sample('config-item-deleted');
    if (diff === null) setPath(raw, ['detail', 'configurationItemDiff'], null);
    if (diff === 'absent') deletePath(raw, ['detail', 'configurationItemDiff']);
    const event = only(run(raw), 'config_item');
    expect(event.status).toBe('ResourceDeleted');
    expect(event.configuration).toBeNull();
    expect(event.changeType).toBe('DELETE');
    expect(event.changedProperties).toEqual(diff === 'keep' ? ['Configuration', 'Relationships.0'] : []);
    expect(event.order).toBe(1741161601120);
    expect(event.tags).toEqual({});
  });

  it('a non-deleted item with a null diff has changeType null', () => {
    const raw = setPath(sample('config-item-change'), ['detail', 'configurationItemDiff'], null);
    const event = only(run(raw), 'config_item');
    expect(event.changeType).toBeNull();
    expect(event.changedProperties).toEqual([]);
  });

  it('keeps each changedProperties entry (previousValue, updatedValue, changeType) for the observed kind; a missing changeType is read from the null side', () => {
    const raw = setPath(sample('config-item-change'), ['detail', 'configurationItemDiff', 'changedProperties'], {
      'Configuration.State.Name': { previousValue: 'running', updatedValue: 'stopped', changeType: 'UPDATE' },
      'SupplementaryConfiguration.BucketPolicy': { updatedValue: { policyText: '{}' } },
      'Relationships.0': { previousValue: { resourceId: 'vol-1' } },
    });
    const event = only(run(raw), 'config_item');
    expect(event.propertyChanges).toEqual({
      'Configuration.State.Name': { previousValue: 'running', updatedValue: 'stopped', changeType: 'UPDATE' },
      'SupplementaryConfiguration.BucketPolicy': { previousValue: null, updatedValue: { policyText: '{}' }, changeType: 'CREATE' },
      'Relationships.0': { previousValue: { resourceId: 'vol-1' }, updatedValue: null, changeType: 'DELETE' },
    });
  });

  it('a changedProperties entry that is not a PropDiff object is refused with its path', () => {
    const raw = setPath(sample('config-item-change'), ['detail', 'configurationItemDiff', 'changedProperties'], {
      'Configuration.State': 'stopped',
      'Configuration.Other': { changeType: 'RENAME' },
    });
    const found = problems(run(raw));
    expect(found.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('configurationItemDiff.changedProperties'),
        expect.stringMatching(/changedProperties.*changeType/),
      ]),
    );
  });

  it('a null diff leaves propertyChanges absent (the observed kind then says the change is unknown)', () => {
    const raw = setPath(sample('config-item-change'), ['detail', 'configurationItemDiff'], null);
    expect(only(run(raw), 'config_item').propertyChanges).toBeUndefined();
  });

  it('ResourceDiscovered with changedProperties {}', () => {
    const event = only(run(sample('config-item-discovered')), 'config_item');
    expect(event).toMatchObject({
      status: 'ResourceDiscovered',
      changeType: 'CREATE',
      changedProperties: [],
      tags: { team: 'data' },
      resource: { id: 'sg-0123456789abcdef0', name: 'batch-sg' },
      order: 1740819602731,
    });
    expect(event.configuration).toMatchObject({ groupId: 'sg-0123456789abcdef0', ipPermissions: [] });
  });

  it.each([
    { name: 'absent', value: undefined },
    { name: 'null', value: null },
    { name: '0 (AWS oversized sample)', value: 0 },
  ])('configurationStateId $name: order = capture time in ms, no configurationStateId', ({ value }) => {
    const raw = sample('config-item-change');
    if (value === undefined) deletePath(raw, ['detail', 'configurationItem', 'configurationStateId']);
    else setPath(raw, ['detail', 'configurationItem', 'configurationStateId'], value);
    setPath(raw, ['detail', 'configurationItem', 'configurationItemCaptureTime'], '2025-03-04T10:15:28.777Z');
    const event = only(run(raw), 'config_item');
    const ms = Date.parse('2025-03-04T10:15:28.777Z');
    expect(event.order).toBe(ms);
    expect(event).not.toHaveProperty('configurationStateId');
    expect(event.eventId).toBe(expectedId(`AWS::EC2::SecurityGroup|${SG}|111122223333|eu-west-1|${ms}`));
  });

  it('different configurationStateIds of one resource give different eventIds', () => {
    const a = only(run(sample('config-item-change')), 'config_item');
    const raw = setPath(sample('config-item-change'), ['detail', 'configurationItem', 'configurationStateId'], 1741083328503);
    expect(only(run(raw), 'config_item').eventId).not.toBe(a.eventId);
  });

  it('account and region come from the CI, not the envelope', () => {
    const raw = sample('config-item-change');
    raw['account'] = '999999999999';
    raw['region'] = 'us-east-1';
    expect(only(run(raw), 'config_item').resource).toMatchObject({ account: '111122223333', region: 'eu-west-1' });
  });

  it('account and region fall back to the EventBridge envelope when the CI lacks them', () => {
    const raw = sample('config-item-change');
    deletePath(raw, ['detail', 'configurationItem', 'awsAccountId']);
    deletePath(raw, ['detail', 'configurationItem', 'awsRegion']);
    raw['account'] = '444455556666';
    raw['region'] = 'us-east-2';
    const event = only(run(raw), 'config_item');
    expect(event.resource).toMatchObject({ account: '444455556666', region: 'us-east-2' });
    expect(event.eventId).toBe(expectedId(`AWS::EC2::SecurityGroup|${SG}|444455556666|us-east-2|1741083328502`));
  });

  it('an HTTP array of several events normalises each, in order', () => {
    const events = ok(
      run([sample('config-item-change'), sample('config-rules-compliance-change'), sample('cloudtrail-authorize-ingress')]),
    );
    expect(events.map((e) => e.kind)).toEqual(['config_item', 'compliance', 'cloudtrail']);
  });

  it('a JSON string holding an array is accepted too', () => {
    expect(ok(run(JSON.stringify([sample('config-item-change'), sample('config-item-deleted')]), 'replay'))).toHaveLength(2);
  });
});

describe('normalizeDelivery: compliance', () => {
  const expected: Omit<ComplianceEvent, 'delivery'> = {
    kind: 'compliance',
    eventId: expectedId(
      `AWS::EC2::SecurityGroup|${SG}|111122223333|eu-west-1|restricted-ssh|2025-03-04T10:15:28.502Z|NON_COMPLIANT`,
      'cc_',
    ),
    resource: { type: 'AWS::EC2::SecurityGroup', id: SG, account: '111122223333', region: 'eu-west-1' },
    ruleName: 'restricted-ssh',
    compliance: 'NON_COMPLIANT',
    previousCompliance: 'COMPLIANT',
    orderingTimestamp: '2025-03-04T10:15:28.502Z',
  };

  it.each([
    { name: 'EventBridge', raw: () => sample('config-rules-compliance-change'), shape: 'eventbridge' },
    { name: 'SNS with bare notification', raw: () => snsEnvelope(bareNotification('config-rules-compliance-change')), shape: 'sns' },
    { name: 'bare notification', raw: () => bareNotification('config-rules-compliance-change'), shape: 'bare' },
  ])('$name', ({ raw, shape }) => {
    const event = only(run(raw()), 'compliance');
    const { delivery, ...rest } = event;
    expect(rest).toEqual(expected);
    expect(delivery.shape).toBe(shape);
  });

  it('first evaluation (no oldEvaluationResult): previousCompliance null', () => {
    const raw = deletePath(sample('config-rules-compliance-change'), ['detail', 'oldEvaluationResult']);
    expect(only(run(raw), 'compliance').previousCompliance).toBeNull();
  });

  it('falls back to resultRecordedTime when orderingTimestamp is absent', () => {
    const raw = deletePath(sample('config-rules-compliance-change'), [
      'detail',
      'newEvaluationResult',
      'evaluationResultIdentifier',
      'orderingTimestamp',
    ]);
    expect(only(run(raw), 'compliance').orderingTimestamp).toBe('2025-03-04T10:16:00.990Z');
  });

  it('a different complianceType gives a different eventId', () => {
    const raw = setPath(sample('config-rules-compliance-change'), ['detail', 'newEvaluationResult', 'complianceType'], 'COMPLIANT');
    expect(only(run(raw), 'compliance').eventId).not.toBe(expected.eventId);
  });
});

describe('normalizeDelivery: CloudTrail', () => {
  it('builds the attribution event from the sample', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    const detail = raw['detail'] as JsonObject;
    const event = only(run(raw), 'cloudtrail');
    const expected: CloudTrailEvent = {
      kind: 'cloudtrail',
      eventId: 'ct_c3e2d1f0-9a8b-4c7d-8e6f-5a4b3c2d1e0f',
      eventName: 'AuthorizeSecurityGroupIngress',
      eventSource: 'ec2.amazonaws.com',
      eventTime: '2025-03-04T10:15:26.000Z',
      account: '111122223333',
      region: 'eu-west-1',
      resourceIds: [SG, 'sgr-0a1b2c3d4e5f60718'],
      principal: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/alice@example.com',
        sessionName: 'alice@example.com',
        roleName: 'BreakGlassAdmin',
        accessKeyId: 'ASIAEXAMPLEKEY',
      },
      requestParameters: detail['requestParameters'] as Record<string, unknown>,
      responseElements: detail['responseElements'] as Record<string, unknown>,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.0',
      delivery: { transport: 'http', shape: 'eventbridge', envelopeId: 'b0c9d8e7-f6a5-4b3c-8d2e-1f0a9b8c7d6e', receivedAt: RECEIVED_AT },
    };
    expect(event).toEqual(expected);
  });

  const identities: Array<{ name: string; identity: JsonObject; principal: CloudTrailEvent['principal'] }> = [
    {
      name: 'IAM user',
      identity: {
        type: 'IAMUser',
        principalId: 'AIDA1',
        arn: 'arn:aws:iam::111122223333:user/bob',
        accountId: '111122223333',
        accessKeyId: 'AKIA1',
        userName: 'bob',
      },
      principal: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', userName: 'bob', accessKeyId: 'AKIA1' },
    },
    {
      name: 'assumed role without sessionIssuer (role from the arn)',
      identity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/carol' },
      principal: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/carol',
        sessionName: 'carol',
        roleName: 'AWSReservedSSO_Admin_0123abcd',
      },
    },
    {
      name: 'AWS service (no arn)',
      identity: { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' },
      principal: { type: 'AWSService', arn: null, invokedBy: 'cloudformation.amazonaws.com' },
    },
    {
      name: 'federated user',
      identity: { type: 'FederatedUser', arn: 'arn:aws:sts::111122223333:federated-user/dave' },
      principal: { type: 'FederatedUser', arn: 'arn:aws:sts::111122223333:federated-user/dave', userName: 'dave' },
    },
    {
      name: 'root',
      identity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
      principal: { type: 'Root', arn: 'arn:aws:iam::111122223333:root' },
    },
  ];
  it.each(identities)('principal: $name', ({ identity, principal }) => {
    const raw = setPath(sample('cloudtrail-authorize-ingress'), ['detail', 'userIdentity'], identity);
    expect(only(run(raw), 'cloudtrail').principal).toEqual(principal);
  });

  it('ModifySecurityGroupRules: group and rule ids from the nested request', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    setPath(raw, ['detail', 'eventName'], 'ModifySecurityGroupRules');
    setPath(raw, ['detail', 'requestParameters'], {
      ModifySecurityGroupRulesRequest: {
        GroupId: 'sg-0ddd',
        SecurityGroupRule: [
          { SecurityGroupRuleId: 'sgr-01', SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' } },
          { SecurityGroupRuleId: 'sgr-02', SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIpv4: '0.0.0.0/0' } },
        ],
      },
    });
    setPath(raw, ['detail', 'responseElements'], { ModifySecurityGroupRulesResponse: { _return: true } });
    expect(only(run(raw), 'cloudtrail').resourceIds).toEqual(['sg-0ddd', 'sgr-01', 'sgr-02']);
  });

  it('revoke by rule ids, failed call: keeps errorCode and a null responseElements', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    setPath(raw, ['detail', 'eventName'], 'RevokeSecurityGroupIngress');
    setPath(raw, ['detail', 'requestParameters'], { groupId: SG, securityGroupRuleIds: { items: [{ securityGroupRuleId: 'sgr-0aaa' }] } });
    setPath(raw, ['detail', 'responseElements'], null);
    setPath(raw, ['detail', 'errorCode'], 'Client.UnauthorizedOperation');
    setPath(raw, ['detail', 'errorMessage'], 'You are not authorized to perform this operation.');
    const event = only(run(raw), 'cloudtrail');
    expect(event.resourceIds).toEqual([SG, 'sgr-0aaa']);
    expect(event.responseElements).toBeNull();
    expect(event.errorCode).toBe('Client.UnauthorizedOperation');
    expect(event.errorMessage).toBe('You are not authorized to perform this operation.');
  });

  it('CreateSecurityGroup: the new group id from responseElements', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    setPath(raw, ['detail', 'requestParameters'], { groupName: 'new', groupDescription: 'x', vpcId: 'vpc-1' });
    setPath(raw, ['detail', 'responseElements'], { requestId: 'r', _return: true, groupId: 'sg-0new' });
    expect(only(run(raw), 'cloudtrail').resourceIds).toEqual(['sg-0new']);
  });

  it('network ACL entry calls name the ACL (requestParameters.networkAclId; CreateNetworkAcl in its response)', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    setPath(raw, ['detail', 'eventName'], 'CreateNetworkAclEntry');
    setPath(raw, ['detail', 'requestParameters'], {
      networkAclId: 'acl-0abc1234def567890',
      ruleNumber: 50,
      egress: false,
      ruleAction: 'deny',
      aclProtocol: '-1',
      cidrBlock: '203.0.113.0/24',
    });
    setPath(raw, ['detail', 'responseElements'], { requestId: 'r', _return: true });
    expect(only(run(raw), 'cloudtrail').resourceIds).toEqual(['acl-0abc1234def567890']);
    setPath(raw, ['detail', 'eventName'], 'CreateNetworkAcl');
    setPath(raw, ['detail', 'requestParameters'], { vpcId: 'vpc-0123' });
    setPath(raw, ['detail', 'responseElements'], { requestId: 'r', networkAcl: { networkAclId: 'acl-0new', vpcId: 'vpc-0123' } });
    expect(only(run(raw), 'cloudtrail').resourceIds).toEqual(['acl-0new']);
  });

  it('S3 calls name the bucket (requestParameters.bucketName); a malformed one in a call that succeeded is refused with its path', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    setPath(raw, ['source'], 'aws.s3');
    setPath(raw, ['detail', 'eventSource'], 's3.amazonaws.com');
    setPath(raw, ['detail', 'eventName'], 'PutBucketPublicAccessBlock');
    setPath(raw, ['detail', 'requestParameters'], {
      publicAccessBlock: '',
      bucketName: 'acme-invoices',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      },
    });
    setPath(raw, ['detail', 'responseElements'], null);
    expect(only(run(raw), 'cloudtrail').resourceIds).toEqual(['acme-invoices']);
    setPath(raw, ['detail', 'requestParameters', 'bucketName'], 'acme/../x');
    expect(problems(run(raw)).map((p) => p.path)).toEqual(['detail.requestParameters.bucketName']);
  });

  it("keeps a Config item's supplementaryConfiguration when it says something (an S3 bucket's public access block), not `{}`", () => {
    const raw = sample('config-item-change');
    const block = '{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":false,"restrictPublicBuckets":true}';
    setPath(raw, ['detail', 'configurationItem', 'supplementaryConfiguration'], { PublicAccessBlockConfiguration: block });
    expect(only(run(raw), 'config_item').supplementaryConfiguration).toEqual({ PublicAccessBlockConfiguration: block });
    setPath(raw, ['detail', 'configurationItem', 'supplementaryConfiguration'], {});
    expect(only(run(raw), 'config_item')).not.toHaveProperty('supplementaryConfiguration');
  });

  it('sanitises an eventID holding ":" into a job-id-safe id', () => {
    const raw = setPath(sample('cloudtrail-authorize-ingress'), ['detail', 'eventID'], 'a:b');
    const id = only(run(raw), 'cloudtrail').eventId;
    expect(id).toMatch(/^ct_a_b_[0-9a-f]{8}$/);
    const other = only(run(setPath(sample('cloudtrail-authorize-ingress'), ['detail', 'eventID'], 'a_b')), 'cloudtrail').eventId;
    expect(other).toBe('ct_a_b');
  });

  it('the same CloudTrail record via SNS and as an SQS body keeps its eventId', () => {
    const a = only(run(sample('cloudtrail-authorize-ingress')), 'cloudtrail');
    const b = only(run(JSON.stringify(snsEnvelope(sampleText('cloudtrail-authorize-ingress'))), 'sqs'), 'cloudtrail');
    expect(b.eventId).toBe(a.eventId);
  });
});

describe('normalizeDelivery: malformed input is reported with JSON paths', () => {
  const ci = (mutate: (o: JsonObject) => void): JsonObject => {
    const raw = sample('config-item-change');
    mutate(raw);
    return raw;
  };
  const cases: Array<{ name: string; raw: () => unknown; expected: Array<{ path: string; message: RegExp }> }> = [
    {
      name: 'non-JSON string (position named)',
      raw: () => '{"detail-type": "Config Configuration Item Change", }',
      expected: [
        { path: '', message: /^invalid JSON at position 52 \(line 1, column 53\): expected a property name in double quotes, got "}"$/ },
      ],
    },
    { name: 'truncated JSON', raw: () => '{"a":1', expected: [{ path: '', message: /invalid JSON at position 6 .*got end of input/ }] },
    {
      name: 'bytes that are not UTF-8',
      raw: () => Uint8Array.from([0x7b, 0xff, 0x7d]),
      expected: [{ path: '', message: /^expected UTF-8 encoded JSON, got bytes that are not valid UTF-8$/ }],
    },
    { name: 'empty string', raw: () => '', expected: [{ path: '', message: /expected a JSON document, got an empty string/ }] },
    {
      name: 'resourceId of the wrong type',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'resourceId'], 42)),
      expected: [{ path: 'detail.configurationItem.resourceId', message: /^expected string, got number$/ }],
    },
    {
      name: 'configurationStateId as a string',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'configurationStateId'], '1741083328502')),
      expected: [{ path: 'detail.configurationItem.configurationStateId', message: /^expected number, got string$/ }],
    },
    {
      name: 'unknown configurationItemStatus',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'configurationItemStatus'], 'Gone')),
      expected: [
        {
          path: 'detail.configurationItem.configurationItemStatus',
          message: /^expected one of "OK", .*"ResourceDeletedNotRecorded", got string "Gone"$/,
        },
      ],
    },
    {
      name: 'capture time that is not ISO 8601',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'configurationItemCaptureTime'], 'yesterday')),
      expected: [
        {
          path: 'detail.configurationItem.configurationItemCaptureTime',
          message: /^expected an ISO 8601 date-time.*got string "yesterday"$/,
        },
      ],
    },
    {
      name: 'tag value that is not a string',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'tags'], { team: 7 })),
      expected: [{ path: 'detail.configurationItem.tags.team', message: /^expected string, got number$/ }],
    },
    {
      name: 'configuration that is an array',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'configuration'], [])),
      expected: [{ path: 'detail.configurationItem.configuration', message: /^expected object, got an empty array$/ }],
    },
    {
      name: 'diff with an unknown changeType',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItemDiff', 'changeType'], 'MODIFY')),
      expected: [
        { path: 'detail.configurationItemDiff.changeType', message: /^expected one of "CREATE", "UPDATE", "DELETE", got string "MODIFY"$/ },
      ],
    },
    {
      name: 'several wrong fields at once',
      raw: () =>
        ci((o) => {
          deletePath(o, ['detail', 'configurationItem', 'resourceType']);
          setPath(o, ['detail', 'configurationItem', 'resourceId'], '');
        }),
      expected: [
        { path: 'detail.configurationItem.resourceType', message: /^expected string, got nothing \(the field is missing\)$/ },
        { path: 'detail.configurationItem.resourceId', message: /^expected a non-empty string, got an empty string$/ },
      ],
    },
    {
      name: 'missing configurationItem',
      raw: () => ci((o) => deletePath(o, ['detail', 'configurationItem'])),
      expected: [{ path: 'detail.configurationItem', message: /^expected object, got nothing/ }],
    },
    {
      name: 'missing detail',
      raw: () => ci((o) => deletePath(o, ['detail'])),
      expected: [{ path: 'detail', message: /^expected object, got nothing/ }],
    },
    {
      name: 'detail-type that is not a string',
      raw: () => ci((o) => setPath(o, ['detail-type'], 3)),
      expected: [{ path: 'detail-type', message: /^expected string, got number$/ }],
    },
    {
      name: 'unknown detail-type',
      raw: () => ci((o) => setPath(o, ['detail-type'], 'Config Rules Re-evaluation Status')),
      expected: [
        {
          path: 'detail-type',
          message:
            /^expected one of "Config Configuration Item Change", "Config Rules Compliance Change", "AWS API Call via CloudTrail", got string "Config Rules Re-evaluation Status"$/,
        },
      ],
    },
    {
      name: 'CI change detail-type with a compliance messageType',
      raw: () => ci((o) => setPath(o, ['detail', 'messageType'], 'ComplianceChangeNotification')),
      expected: [
        {
          path: 'detail.messageType',
          message: /^expected one of "ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification", got string/,
        },
      ],
    },
    {
      name: 'bare notification without account and no envelope to fall back on',
      raw: () => deletePath(bareNotification('config-item-change'), ['configurationItem', 'awsAccountId']),
      expected: [{ path: 'configurationItem.awsAccountId', message: /^expected string, got nothing .*no envelope "account"/ }],
    },
    {
      name: 'bare notification of a type we do not consume',
      raw: () => ({
        messageType: 'ConfigurationSnapshotDeliveryCompleted',
        recordVersion: '1.1',
        notificationCreationTime: '2016-09-27T18:39:39.853Z',
      }),
      expected: [
        {
          path: 'messageType',
          message: /^expected one of .*"ComplianceChangeNotification", got string "ConfigurationSnapshotDeliveryCompleted"$/,
        },
      ],
    },
    {
      name: 'oversized without configurationItemSummary',
      raw: () => deletePath(sample('config-item-oversized'), ['detail', 'configurationItemSummary']),
      expected: [{ path: 'detail.configurationItemSummary', message: /^expected object, got nothing/ }],
    },
    {
      name: 'compliance without complianceType',
      raw: () => deletePath(sample('config-rules-compliance-change'), ['detail', 'newEvaluationResult', 'complianceType']),
      expected: [{ path: 'detail.newEvaluationResult.complianceType', message: /^expected one of "COMPLIANT", .*got nothing/ }],
    },
    {
      name: 'compliance without any ordering time',
      raw: () => {
        const raw = sample('config-rules-compliance-change');
        deletePath(raw, ['detail', 'newEvaluationResult', 'evaluationResultIdentifier']);
        deletePath(raw, ['detail', 'newEvaluationResult', 'resultRecordedTime']);
        return raw;
      },
      expected: [
        { path: 'detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp', message: /^expected an ISO 8601 date-time/ },
      ],
    },
    {
      name: 'CloudTrail record without eventID and userIdentity.type',
      raw: () => {
        const raw = sample('cloudtrail-authorize-ingress');
        deletePath(raw, ['detail', 'eventID']);
        deletePath(raw, ['detail', 'userIdentity', 'type']);
        return raw;
      },
      expected: [
        { path: 'detail.eventID', message: /^expected string, got nothing/ },
        { path: 'detail.userIdentity.type', message: /^expected string, got nothing/ },
      ],
    },
    {
      name: 'CloudTrail requestParameters that is a string',
      raw: () => setPath(sample('cloudtrail-authorize-ingress'), ['detail', 'requestParameters'], 'groupId=sg-1'),
      expected: [{ path: 'detail.requestParameters', message: /^expected object, got string "groupId=sg-1"$/ }],
    },
    {
      name: 'array with one bad element',
      raw: () => [
        sample('config-item-change'),
        sample('config-rules-compliance-change'),
        sample('cloudtrail-authorize-ingress'),
        setPath(sample('config-item-change'), ['detail', 'configurationItem', 'resourceId'], 5),
      ],
      expected: [{ path: '[3].detail.configurationItem.resourceId', message: /^expected string, got number$/ }],
    },
    {
      name: 'array with two bad elements lists both',
      raw: () => [42, sample('config-item-change'), setPath(sample('config-item-change'), ['detail-type'], 'Nope')],
      expected: [
        { path: '[0]', message: /^expected a JSON object: .*got number 42$/ },
        { path: '[2].detail-type', message: /^expected one of/ },
      ],
    },
    {
      name: 'array nested in an array',
      raw: () => [[sample('config-item-change')]],
      expected: [{ path: '[0]', message: /got an array of 1$/ }],
    },
    { name: 'empty array', raw: () => [], expected: [{ path: '', message: /^expected at least one event, got an empty array$/ }] },
    {
      name: 'SNS Message that is not JSON',
      raw: () => snsEnvelope('not json'),
      expected: [
        {
          path: 'Message',
          message: /^invalid JSON at position 1 \(line 1, column 2\): expected "null", got "o" \(SNS Message must hold a JSON document\)$/,
        },
      ],
    },
    {
      name: 'SNS Message sent as an object (as printed in AWS docs)',
      raw: () => ({ ...snsEnvelope('x'), Message: bareNotification('config-item-change') }),
      expected: [{ path: 'Message', message: /^expected a string holding JSON, got object \(SNS sends Message as a JSON string/ }],
    },
    {
      name: 'SNS subscription confirmation',
      raw: () => ({ ...snsEnvelope('You have chosen to subscribe'), Type: 'SubscriptionConfirmation' }),
      expected: [
        {
          path: 'Type',
          message: /^expected "Notification", got string "SubscriptionConfirmation" \(an SNS subscription message is not an event/,
        },
      ],
    },
    {
      name: 'SNS Message holding a bad EventBridge event',
      raw: () => snsEnvelope(setPath(sample('config-item-change'), ['detail', 'configurationItem', 'resourceId'], true)),
      expected: [{ path: 'Message.detail.configurationItem.resourceId', message: /^expected string, got boolean$/ }],
    },
    {
      name: 'SQS body holding an SNS envelope whose bare notification is bad (two parses)',
      raw: () => JSON.stringify(snsEnvelope(setPath(bareNotification('config-item-change'), ['configurationItem', 'resourceId'], null))),
      expected: [{ path: 'Message.configurationItem.resourceId', message: /^expected string, got null$/ }],
    },
    {
      name: 'SNS Message holding a JSON number',
      raw: () => snsEnvelope('17'),
      expected: [{ path: 'Message', message: /^expected a JSON object: .*got number 17$/ }],
    },
    {
      name: 'SNS envelope nested in an SNS Message',
      raw: () => snsEnvelope(snsEnvelope(sampleText('config-item-change'))),
      expected: [{ path: 'Message', message: /SNS envelope nested in an SNS Message/ }],
    },
    {
      name: 'legacy 2014 notification',
      raw: () => legacy2014Notification(),
      expected: [
        {
          path: 'MessageVersion',
          message:
            /legacy 2014 AWS Config notification format.*expected a current notification with recordVersion, notificationCreationTime and a single configurationItem object/,
        },
      ],
    },
    {
      name: 'legacy 2014 notification inside SNS',
      raw: () => JSON.stringify(snsEnvelope(legacy2014Notification())),
      expected: [{ path: 'Message.MessageVersion', message: /legacy 2014/ }],
    },
    {
      name: 'configurationItem as an array inside an EventBridge detail',
      raw: () =>
        ci((o) => {
          const item = (o['detail'] as JsonObject)['configurationItem'];
          setPath(o, ['detail', 'configurationItem'], [item]);
        }),
      expected: [{ path: 'detail.configurationItem', message: /legacy 2014/ }],
    },
    { name: 'a number', raw: () => 42, expected: [{ path: '', message: /^expected a JSON object: .*got number 42$/ }] },
    { name: 'null', raw: () => null, expected: [{ path: '', message: /got null$/ }] },
    { name: 'undefined', raw: () => undefined, expected: [{ path: '', message: /got nothing/ }] },
    { name: 'a JSON string literal', raw: () => '"hello"', expected: [{ path: '', message: /got string "hello"$/ }] },
    { name: 'JSON true', raw: () => 'true', expected: [{ path: '', message: /got boolean true$/ }] },
    {
      name: 'an object of no known shape',
      raw: () => ({ Records: [{ body: '{}' }] }),
      expected: [{ path: '', message: /^unrecognised event shape: expected an EventBridge event .*got an object with keys "Records"$/ }],
    },
    { name: 'an empty object', raw: () => ({}), expected: [{ path: '', message: /got an empty object$/ }] },
    // Identifiers become Redis keys and AWS client settings: checked here, with their path.
    {
      name: 'a region that is a path',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'awsRegion'], '../../etc/passwd')),
      expected: [
        {
          path: 'detail.configurationItem.awsRegion',
          message: /^expected an AWS region such as eu-west-1 .*, got string "..\/..\/etc\/passwd"$/,
        },
      ],
    },
    {
      name: 'an account that is not 12 digits',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'awsAccountId'], 'not-an-account')),
      expected: [
        { path: 'detail.configurationItem.awsAccountId', message: /^expected a 12-digit AWS account id, got string "not-an-account"$/ },
      ],
    },
    {
      name: 'a security group id with a path in it',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'resourceId'], 'sg-1/../x')),
      expected: [
        {
          path: 'detail.configurationItem.resourceId',
          message: /^a "\." or "\.\." path segment is not allowed in a resource id, got string "sg-1\/..\/x"$/,
        },
      ],
    },
    {
      name: 'a security group id with a slash',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'resourceId'], 'sg-1/x')),
      expected: [
        {
          path: 'detail.configurationItem.resourceId',
          message: /^expected an id such as sg-0abc1234def567890 .* for AWS::EC2::SecurityGroup, got string "sg-1\/x"$/,
        },
      ],
    },
    {
      name: 'a resource id with a newline (a forged log line)',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'resourceId'], 'sg-0abc\n{"level":"info"}')),
      expected: [{ path: 'detail.configurationItem.resourceId', message: /^control characters .* are not allowed, got string/ }],
    },
    {
      name: 'a resource type that is not Type::Service::Name',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'resourceType'], 'AWS::EC2::SecurityGroup/../x')),
      expected: [
        { path: 'detail.configurationItem.resourceType', message: /^expected a resource type such as AWS::EC2::SecurityGroup, got string/ },
      ],
    },
    {
      name: 'an ARN that is not one',
      raw: () => ci((o) => setPath(o, ['detail', 'configurationItem', 'ARN'], 'arn:aws:ec2:../../x:111122223333:security-group/sg-1')),
      expected: [{ path: 'detail.configurationItem.ARN', message: /^expected an ARN such as .*, got string/ }],
    },
    {
      name: 'bad envelope account and region, at the envelope paths',
      raw: () => ci((o) => setPath(setPath(o, ['account'], '1111-2222-3333'), ['region'], 'eu-west-1\r\n')),
      expected: [
        { path: 'account', message: /^expected a 12-digit AWS account id, got string "1111-2222-3333"$/ },
        {
          path: 'region',
          message: /^expected an AWS region such as eu-west-1 \(or us-gov-west-1, cn-north-1, us-iso-east-1\), got string/,
        },
      ],
    },
    {
      name: 'every bad identifier of an item at once',
      raw: () =>
        ci((o) => {
          setPath(o, ['detail', 'configurationItem', 'awsAccountId'], '12');
          setPath(o, ['detail', 'configurationItem', 'awsRegion'], 'Ireland');
          setPath(o, ['detail', 'configurationItem', 'resourceId'], '..');
        }),
      expected: [
        { path: 'detail.configurationItem.awsAccountId', message: /12-digit/ },
        { path: 'detail.configurationItem.awsRegion', message: /AWS region/ },
        { path: 'detail.configurationItem.resourceId', message: /path segment/ },
      ],
    },
    {
      name: 'an oversized item with a bad id',
      raw: () => setPath(sample('config-item-oversized'), ['detail', 'configurationItemSummary', 'resourceId'], 'sg-0abc/../../x'),
      expected: [{ path: 'detail.configurationItemSummary.resourceId', message: /path segment/ }],
    },
    {
      name: 'a compliance change with a bad region',
      raw: () => setPath(sample('config-rules-compliance-change'), ['detail', 'awsRegion'], 'eu-west-1/x'),
      expected: [{ path: 'detail.awsRegion', message: /AWS region/ }],
    },
    {
      name: 'a CloudTrail record with a bad account and region',
      raw: () =>
        setPath(setPath(sample('cloudtrail-authorize-ingress'), ['detail', 'recipientAccountId'], 'x'), ['detail', 'awsRegion'], 'global'),
      expected: [
        { path: 'detail.recipientAccountId', message: /12-digit/ },
        {
          path: 'detail.awsRegion',
          message: /^expected an AWS region such as eu-west-1 \(or us-gov-west-1, cn-north-1, us-iso-east-1\), got string "global"$/,
        },
      ],
    },
    {
      name: 'a successful CloudTrail call naming a malformed group and rule',
      raw: () =>
        setPath(
          setPath(sample('cloudtrail-authorize-ingress'), ['detail', 'requestParameters', 'groupId'], 'sg-1/../x'),
          ['detail', 'responseElements', 'securityGroupRuleSet', 'items', 0, 'securityGroupRuleId'],
          'sgr-1 x',
        ),
      expected: [
        { path: 'detail.requestParameters.groupId', message: /path segment/ },
        { path: 'detail.responseElements.securityGroupRuleSet.items[0].securityGroupRuleId', message: /^expected an id such as sgr-/ },
      ],
    },
  ];

  it.each(cases)('$name', ({ raw, expected }) => {
    const found = problems(run(raw()));
    expect(found.map((p) => p.path)).toEqual(expected.map((e) => e.path));
    found.forEach((p, i) => expect(p.message).toMatch(expected[i].message));
  });
});

describe('normalizeDelivery: never throws', () => {
  const assertWellFormed = (result: NormalizeResult): void => {
    if (result.ok) {
      expect(result.events.length).toBeGreaterThan(0);
      for (const e of result.events) expect(e.eventId).toMatch(/^(ci|cc|ct)_[A-Za-z0-9._-]+$/);
    } else {
      expect(result.problems.length).toBeGreaterThan(0);
      for (const p of result.problems) {
        expect(typeof p.path).toBe('string');
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
  };

  it('on arbitrary JSON values and JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.json(), fc.string()), (raw) => {
        assertWellFormed(normalizeDelivery(raw, { transport: 'http' }));
      }),
      { numRuns: 500 },
    );
  });

  it('on envelopes of every known shape with arbitrary content', () => {
    const detailType = fc.constantFrom(
      'Config Configuration Item Change',
      'Config Rules Compliance Change',
      'AWS API Call via CloudTrail',
      'Other',
    );
    const messageType = fc.constantFrom(
      'ConfigurationItemChangeNotification',
      'OversizedConfigurationItemChangeNotification',
      'ComplianceChangeNotification',
    );
    const bare = fc.record(
      { messageType, configurationItem: fc.jsonValue(), configurationItemSummary: fc.jsonValue(), newEvaluationResult: fc.jsonValue() },
      { requiredKeys: ['messageType'] },
    );
    const eb = fc.record(
      {
        'detail-type': detailType,
        detail: fc.oneof(fc.jsonValue(), bare),
        account: fc.jsonValue(),
        region: fc.jsonValue(),
        id: fc.jsonValue(),
      },
      { requiredKeys: ['detail-type'] },
    );
    const sns = fc.oneof(eb, bare, fc.jsonValue()).map((m) => snsEnvelope(JSON.stringify(m)));
    fc.assert(
      fc.property(fc.oneof(eb, bare, sns), fc.boolean(), (raw, asText) => {
        assertWellFormed(normalizeDelivery(asText ? JSON.stringify(raw) : raw, { transport: 'sqs' }));
      }),
      { numRuns: 500 },
    );
  });

  it('on samples with one field replaced by an arbitrary JSON value', () => {
    const names = [
      'config-item-change',
      'config-item-oversized',
      'config-rules-compliance-change',
      'cloudtrail-authorize-ingress',
    ] as const;
    const paths = (obj: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> => {
      if (typeof obj !== 'object' || obj === null) return [];
      const entries: Array<[string | number, unknown]> = Array.isArray(obj) ? obj.map((v, i) => [i, v]) : Object.entries(obj);
      return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
    };
    const mutated = fc.constantFrom(...names).chain((name) => {
      const all = paths(sample(name));
      return fc.tuple(fc.constant(name), fc.constantFrom(...all), fc.jsonValue());
    });
    fc.assert(
      fc.property(mutated, ([name, path, value]) => {
        assertWellFormed(normalizeDelivery(setPath(sample(name), path, value), { transport: 'replay' }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('normalizeDelivery: identifiers that real AWS sends are accepted', () => {
  const run = (raw: unknown) => normalizeDelivery(raw, { transport: 'http', receivedAt: RECEIVED_AT });
  const item = (type: string, id: string, more: Record<string, unknown> = {}) => {
    const raw = sample('config-item-change');
    setPath(raw, ['detail', 'configurationItem', 'resourceType'], type);
    setPath(raw, ['detail', 'configurationItem', 'resourceId'], id);
    setPath(raw, ['detail', 'configurationItem', 'ARN'], null);
    for (const [k, v] of Object.entries(more)) setPath(raw, ['detail', 'configurationItem', k], v);
    return raw;
  };

  it.each([
    [
      'AWS::AutoScaling::AutoScalingGroup',
      'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:6d1b1a2e-0c9f-4b8e-9d2a-3f6c7e8a9b0c:autoScalingGroupName/web fleet (blue)',
    ],
    ['AWS::S3::Bucket', 'Legacy_Bucket.2017'],
    ['AWS::EC2::NetworkAcl', 'acl-0abc1234def567890'],
    ['AWS::EC2::Instance', 'i-0abc1234def567890'],
  ])('%s %s', (type, id) => {
    expect(only(run(item(type, id)), 'config_item').resource).toMatchObject({ type, id });
  });

  it('a global resource (region "global", as Config records IAM)', () => {
    const event = only(
      run(item('AWS::IAM::Role', 'AROAEXAMPLEID123456789', { awsRegion: 'global', ARN: 'arn:aws:iam::111122223333:role/deploy' })),
      'config_item',
    );
    expect(event.resource).toMatchObject({ region: 'global', arn: 'arn:aws:iam::111122223333:role/deploy' });
  });

  it('a GovCloud item', () => {
    const event = only(
      run(
        item('AWS::EC2::SecurityGroup', SG, {
          awsRegion: 'us-gov-west-1',
          ARN: `arn:aws-us-gov:ec2:us-gov-west-1:111122223333:security-group/${SG}`,
        }),
      ),
      'config_item',
    );
    expect(event.resource.region).toBe('us-gov-west-1');
  });

  it('a failed CloudTrail call names ids as the caller typed them: malformed ones are dropped, not refused', () => {
    const raw = sample('cloudtrail-authorize-ingress');
    setPath(raw, ['detail', 'errorCode'], 'InvalidGroupId.Malformed');
    setPath(raw, ['detail', 'requestParameters', 'groupId'], 'sg-1/../x');
    setPath(raw, ['detail', 'responseElements'], null);
    expect(only(run(raw), 'cloudtrail').resourceIds).toEqual([]);
  });
});
