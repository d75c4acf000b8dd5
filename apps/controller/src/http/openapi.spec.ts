import 'reflect-metadata';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import Ajv from 'ajv';
import type { DriftDifference, DriftRecord } from '@driftwarden/domain';
import { sampleWorkersBackportDrift } from '@driftwarden/backport/testing';
import { securityGroupDiff } from '@driftwarden/kinds/security-group';
import { OPENAPI } from './openapi';
import { ApprovalsController } from './approvals.controller';
import { AuditController } from './audit.controller';
import { DriftsController } from './drifts.controller';
import { EventsController } from './events.controller';
import { ExceptionsController } from './exceptions.controller';
import { FreezeController } from './freeze.controller';
import { HealthController } from './health.controller';
import { WebhooksController } from './webhooks.controller';
import { FreezeStreamController } from '../console/freeze-stream.controller';
import { MeController } from '../console/me.controller';
import { UiController } from '../console/ui.controller';
import { SlackController } from '../slack/slack.controller';
import { IncidentWebhooksController } from './incident-webhooks.controller';

/** Every route the controller serves is in the OpenAPI document, with the same method. */
describe('OpenAPI document', () => {
  const controllers = [
    ApprovalsController,
    AuditController,
    DriftsController,
    EventsController,
    ExceptionsController,
    FreezeController,
    HealthController,
    WebhooksController,
    FreezeStreamController,
    MeController,
    UiController,
    SlackController,
    IncidentWebhooksController,
  ];
  const routes: string[] = [];
  for (const c of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, c) ?? '');
    for (const name of Object.getOwnPropertyNames(c.prototype)) {
      const handler = (c.prototype as unknown as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:([a-z]+)/g, '{$1}');
      routes.push(`${RequestMethod[method].toLowerCase()} ${full}`);
    }
  }

  it.each(routes)('describes %s', (route) => {
    const [method, path] = route.split(' ');
    const item = (OPENAPI.paths as Record<string, Record<string, unknown>>)[path];
    expect(item).toBeDefined();
    expect(item[method]).toBeDefined();
  });

  it.each(routes)('%s documents its bad-input and authentication answers', (route) => {
    const [method, path] = route.split(' ');
    const op = (OPENAPI.paths as Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>)[path][method];
    if (!op.security) return;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
  });

  it('the scope schema is strict, with the patterns the API checks', () => {
    const scope = OPENAPI.components.schemas.FreezeSource.properties.scope;
    expect(scope).toMatchObject({ additionalProperties: false, minProperties: 1 });
    expect(new RegExp(scope.properties.regions.items.pattern).test('us-gov-west-1')).toBe(true);
    expect(new RegExp(scope.properties.regions.items.pattern).test('../../etc/passwd')).toBe(false);
  });

  it('found the routes', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it('says what webhooks are deduplicated on: what the signature covers, never an unsigned header', () => {
    const pd = OPENAPI.paths['/v1/webhooks/pagerduty'].post;
    const gh = OPENAPI.paths['/v1/webhooks/github'].post;
    expect(pd.summary).toContain('deduplicated on the signed event.id');
    expect(gh.summary).toContain('deduplicated on the SHA-256 of the signed body');
    for (const text of [pd.summary, pd.description, gh.summary, gh.description])
      expect(text).not.toMatch(/deduplicated on (the )?(X-Webhook-Id|X-GitHub-Delivery)/i);
    expect(pd.description).toContain('remembered for 72 h');
    expect(pd.description).toContain('stale');
  });
});

/** The record shapes the API returns are the ones the document describes, whatever the kind. */
describe('OpenAPI document: drift records', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Resolve `#/components/schemas/…` against the document itself.
  ajv.addSchema({ components: OPENAPI.components }, 'openapi');
  const validate = ajv.compile({ $ref: 'openapi#/components/schemas/DriftRecord' });
  const differences = (record: DriftRecord): DriftDifference[] =>
    securityGroupDiff(record.diff).extra.map((rule, i) => ({
      id: `added:${i}`,
      key: String(i),
      side: 'added',
      sentence: 'opened',
      direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
      detail: rule as unknown as DriftDifference['detail'],
      madeBy: { source: 'config-item', principal: { arn: null, class: 'unknown' }, at: record.changedAt, configEventId: 'ev' },
      changeRisky: true,
      decision: { action: 'hold', rule: 4, reason: 'held', at: record.changedAt },
      flags: [],
      firstSeen: { at: record.changedAt, eventId: 'ev' },
    }));

  it('describes a security-group record (diff and each difference detail) and a kind-neutral diff', () => {
    const record = sampleWorkersBackportDrift(new Date('2026-11-13T16:03:00Z'));
    const withDifferences = { ...record, differences: differences(record) };
    expect(validate(JSON.parse(JSON.stringify(withDifferences)))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
    expect(validate({ ...record, diff: { equal: false } })).toBe(true);
    // A diff that is neither a kind's nor kind-neutral is not what the document says.
    expect(validate({ ...record, diff: { extra: [] } })).toBe(false);
    const sg = OPENAPI.components.schemas as Record<string, unknown>;
    expect(Object.keys(sg)).toEqual(expect.arrayContaining(['SecurityGroupDiff', 'SecurityGroupDetail', 'KindNeutralDiff']));
  });

  it('describes an asg and an instance record (attribute differences)', () => {
    const base = sampleWorkersBackportDrift(new Date('2026-11-13T16:03:00Z'));
    const template: DriftDifference = {
      id: 'x',
      key: 'x',
      side: 'added',
      sentence: 'attached security group sg-0a000000000000002 to i-0aa00000000000001',
      direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
      detail: {},
      madeBy: { source: 'config-item', principal: { arn: null, class: 'unknown' }, at: base.changedAt, configEventId: 'ev' },
      decision: { action: 'hold', rule: 4, reason: 'held', at: base.changedAt },
      firstSeen: { at: base.changedAt, eventId: 'ev' },
    };
    const asg = {
      ...base,
      resource: { ...base.resource, type: 'AWS::AutoScaling::AutoScalingGroup', kind: 'asg', id: 'checkout' },
      diff: { equal: false, attributes: [{ path: 'min_size', live: 12, desired: 4 }] },
      differences: [
        {
          ...template,
          id: 'min_size:changed',
          key: 'min_size',
          side: 'changed',
          direction: { axis: 'capacity', change: 'raises', revert: 'lowers' },
          detail: { attribute: 'min_size', live: 12, desired: 4 },
        },
      ],
    };
    expect(validate(JSON.parse(JSON.stringify(asg)))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
    const instance = {
      ...asg,
      resource: { ...base.resource, type: 'AWS::EC2::Instance', kind: 'instance', id: 'i-0aa00000000000001' },
      diff: {
        equal: false,
        attributes: [{ path: 'vpc_security_group_ids[sg-0a000000000000002]', live: 'sg-0a000000000000002', desired: null }],
      },
      differences: [
        {
          ...template,
          id: 'vpc_security_group_ids:sg-0a000000000000002:added',
          key: 'vpc_security_group_ids:sg-0a000000000000002',
          detail: { attribute: 'vpc_security_group_ids', member: 'sg-0a000000000000002', live: 'sg-0a000000000000002', desired: null },
        },
      ],
    };
    expect(validate(JSON.parse(JSON.stringify(instance)))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
    expect(Object.keys(OPENAPI.components.schemas as Record<string, unknown>)).toEqual(
      expect.arrayContaining(['AsgDiff', 'AsgDetail', 'InstanceDiff', 'InstanceDetail']),
    );
  });

  it('describes the policy that made a decision stricter, on the record and on a difference', () => {
    const record = sampleWorkersBackportDrift(new Date('2026-11-13T16:03:00Z'));
    const policy = { proposed: 'revert', outcome: 'await_approval', matched: [{ id: 'production-needs-approval', source: 'p.cedar:11' }] };
    const first: DriftDifference = {
      id: 'added:tcp/22',
      key: 'tcp/22',
      side: 'added',
      sentence: 'opened ingress tcp/22 from the internet (0.0.0.0/0)',
      direction: { axis: 'exposure', change: 'widens', revert: 'narrows' },
      detail: {},
      madeBy: { source: 'config-item', principal: { arn: null, class: 'unknown' }, at: record.changedAt, configEventId: 'ev' },
      decision: { action: 'revert', rule: 6, reason: 'revert', at: record.changedAt },
      firstSeen: { at: record.changedAt, eventId: 'ev' },
    };
    const gated = {
      ...record,
      decision: { action: 'await_approval', rule: 6, reason: 'r', policy },
      differences: [{ ...first, decision: { ...first.decision, action: 'await_approval', policy } }],
    };
    expect(validate(JSON.parse(JSON.stringify(gated)))).toBe(true);
    expect(validate({ ...gated, decision: { ...gated.decision, policy: { ...policy, outcome: 'allow' } } })).toBe(false);
    expect(validate({ ...gated, decision: { ...gated.decision, policy: { ...policy, matched: [] } } })).toBe(false);
    expect(validate({ ...gated, differences: [{ ...first, decision: { ...first.decision, policy: { proposed: 'revert' } } }] })).toBe(
      false,
    );
  });
});
