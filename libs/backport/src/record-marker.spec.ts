import { readRecordMarker, recordMarker } from './record-marker';
import { sampleWorkersBackportDrift } from './testing';

describe('the record summary hidden in backport PR and issue bodies', () => {
  const drift = sampleWorkersBackportDrift(new Date('2026-11-20T10:00:00Z'));
  const incident = {
    provider: 'pagerduty' as const,
    id: 'Q1ABC2',
    number: 42,
    title: 'checkout returns 5xx --> <script>',
    url: 'https://acme.pagerduty.com/incidents/Q1ABC2',
  };

  it('round-trips what a rebuild needs, and renders as one HTML comment that nothing in it can close early', () => {
    const line = recordMarker(drift, incident);
    expect(line).toMatch(/^<!-- driftwarden:record=[A-Za-z0-9_-]+ -->$/);
    expect(readRecordMarker(`# Backport\n\nbody text\n${line}`)).toEqual({
      ok: true,
      summary: {
        v: 1,
        id: drift.id,
        resource: drift.resource,
        decision: drift.decision,
        principal: drift.principal,
        changedAt: drift.changedAt,
        detectedAt: drift.detectedAt,
        incident,
      },
    });
    expect(readRecordMarker(`body\n${recordMarker(drift, null)}`)).toMatchObject({ ok: true, summary: { id: drift.id } });
    expect(readRecordMarker(`body\n${recordMarker(drift, null)}`)).not.toHaveProperty('summary.incident');
  });

  it('what it writes it can read back, however long the texts (they are shortened to fit)', () => {
    const long = (n: number, ch = 'x') => ch.repeat(n);
    const huge = {
      ...drift,
      decision: { ...drift.decision, reason: long(5000, 'é') },
      resource: { ...drift.resource, address: `module.${long(3000)}.aws_security_group.x` },
      principal: { ...drift.principal, session: long(400) },
    };
    const read = readRecordMarker(recordMarker(huge, { ...incident, title: long(3000, '火'), url: 'javascript:alert(1)' }));
    expect(read).toMatchObject({ ok: true, summary: { id: drift.id, incident: { id: 'Q1ABC2' } } });
    const summary = read && read.ok ? read.summary : null;
    expect(summary?.decision.reason.endsWith('…')).toBe(true);
    expect(summary?.incident).not.toHaveProperty('url');
  });

  it('reads the last summary of a body (an edited body may quote an older one)', () => {
    const older = recordMarker({ ...drift, id: 'drf_older0001' }, null);
    expect(readRecordMarker(`> quoted: ${older}\n${recordMarker(drift, null)}`)).toMatchObject({ ok: true, summary: { id: drift.id } });
  });

  it.each([
    [{ provider: 'jsm' as const, id: 'OPS-12', title: 'checkout down', url: 'https://acme.atlassian.net/browse/OPS-12' }],
    [{ provider: 'incidentio' as const, id: '01FDAG4SAP5TYPT98WGR2N7W91', number: 123, title: 'db sad' }],
    [{ provider: 'webhook.firehydrant' as const, id: 'FH-42', title: 'payments' }],
  ])('round-trips an incident of every source (%j)', (source) => {
    expect(readRecordMarker(`body\n${recordMarker(drift, source)}`)).toMatchObject({ ok: true, summary: { incident: source } });
  });

  it('a body without a summary is not ours (null)', () => {
    expect(readRecordMarker('<!-- driftwarden:drift=drf_x resource=sg-1 -->')).toBeNull();
  });

  const encode = (value: unknown) => `<!-- driftwarden:record=${Buffer.from(JSON.stringify(value)).toString('base64url')} -->`;
  const valid = JSON.parse(
    Buffer.from(/record=([^ ]+) -->/.exec(recordMarker(drift, null))?.[1] ?? '', 'base64url').toString('utf8'),
  ) as Record<string, unknown>;

  it.each([
    ['not base64url', '<!-- driftwarden:record=not base64! -->', /not base64url text/],
    ['not closed', '<!-- driftwarden:record=eyJ2IjoxfQ', /not base64url text/],
    ['too long', `<!-- driftwarden:record=${'A'.repeat(9000)} -->`, /not base64url text of a sane length/],
    ['not JSON', `<!-- driftwarden:record=${Buffer.from('{nope').toString('base64url')} -->`, /not JSON/],
    ['another version', encode({ ...valid, v: 2 }), /^the record marker is not a drift summary: v: /],
    ['a decision other than backport', encode({ ...valid, decision: { action: 'revert', rule: 6, reason: 'x' } }), /decision\.action/],
    ['a malformed account', encode({ ...valid, resource: { ...(valid.resource as object), account: '12' } }), /resource\.account/],
    ['a drift id that is not one', encode({ ...valid, id: '../../etc' }), /^the record marker is not a drift summary: id: /],
    ['an unknown key', encode({ ...valid, status: 'resolved' }), /not a drift summary/],
    ['an incident link that is not https', encode({ ...valid, incident: { ...incident, url: 'javascript:alert(1)' } }), /incident\.url/],
    ['an unknown incident source', encode({ ...valid, incident: { ...incident, provider: 'servicenow' } }), /incident\.provider/],
    ['a webhook source that is not one', encode({ ...valid, incident: { ...incident, provider: 'webhook.../x' } }), /incident\.provider/],
  ])('refuses %s', (_what, body, problem) => {
    const read = readRecordMarker(`text\n${body}`);
    expect(read).toMatchObject({ ok: false });
    expect(read && !read.ok ? read.problem : '').toMatch(problem);
  });
});
