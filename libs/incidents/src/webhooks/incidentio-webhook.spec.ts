import { createHmac } from 'node:crypto';
import { IncidentioFake } from '../testing/incidentio.fake';
import { parseIncidentioWebhook, signSvix, svixKey, verifySvixWebhook } from './incidentio-webhook';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;
const NOW = new Date('2026-11-20T12:00:00Z');
const ts = Math.floor(NOW.getTime() / 1000);
const raw = Buffer.from('{"event_type":"public_incident.incident_updated_v2"}');

const verify = (headers: { id?: string; timestamp?: string; signature?: string }, secrets = [SECRET], now = NOW) =>
  verifySvixWebhook(raw, { id: headers.id, timestamp: headers.timestamp, signature: headers.signature }, secrets, now);

describe('Svix signature (incident.io webhooks)', () => {
  it('is base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under the base64-decoded secret, exactly as Svix documents', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const expected = createHmac('sha256', key).update(`msg_1.${ts}.${raw.toString()}`).digest('base64');
    expect(signSvix('msg_1', ts, raw, SECRET)).toBe(`v1,${expected}`);
    expect(svixKey(SECRET)).toEqual(key);
    expect(svixKey('not-whsec')).toBeUndefined();
  });

  it('accepts any v1 entry of a space-separated list, under any configured secret (rotation)', () => {
    const signature = `v1,${Buffer.alloc(32).toString('base64')} v2,ignored ${signSvix('msg_1', ts, raw, OTHER)}`;
    expect(verify({ id: 'msg_1', timestamp: String(ts), signature }, [SECRET, OTHER])).toEqual({ ok: true, id: 'msg_1', signedAt: NOW });
  });

  it('refuses unsigned, forged, tampered (body, id or timestamp) deliveries', () => {
    const signature = signSvix('msg_1', ts, raw, SECRET);
    expect(verify({ id: 'msg_1', timestamp: String(ts) })).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verify({ id: 'msg_1', timestamp: String(ts), signature: signSvix('msg_1', ts, raw, OTHER) })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({ id: 'msg_2', timestamp: String(ts), signature })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify({ id: 'msg_1', timestamp: String(ts + 1), signature })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      verifySvixWebhook(Buffer.from(`${raw.toString()} `), { id: 'msg_1', timestamp: String(ts), signature }, [SECRET], NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify({ id: 'msg_1', timestamp: String(ts), signature: signature.replace('v1,', 'v2,') })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({ id: 'msg_1', timestamp: String(ts), signature }, ['whsec_'])).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a timestamp more than 5 minutes away (a replay), either way', () => {
    const old = ts - 301;
    expect(verify({ id: 'msg_1', timestamp: String(old), signature: signSvix('msg_1', old, raw, SECRET) })).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    const future = ts + 301;
    expect(verify({ id: 'msg_1', timestamp: String(future), signature: signSvix('msg_1', future, raw, SECRET) })).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    const recent = ts - 299;
    expect(verify({ id: 'msg_1', timestamp: String(recent), signature: signSvix('msg_1', recent, raw, SECRET) }).ok).toBe(true);
  });
});

describe('parseIncidentioWebhook', () => {
  let fake: IncidentioFake;
  beforeAll(async () => {
    fake = await new IncidentioFake().start();
    fake.setIncidents([{ id: '01A', reference: 'INC-9', severity: 'Major', statusCategory: 'live' }]);
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('reads the incident of a public incident event (a body valid against the description)', () => {
    const { raw: body } = fake.webhook('public_incident.incident_status_updated_v2', '01A', SECRET);
    const parsed = parseIncidentioWebhook(JSON.parse(body));
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        kind: 'incident',
        eventType: 'public_incident.incident_status_updated_v2',
        incident: { id: '01A', reference: 'INC-9', severity: 'Major', statusCategory: 'live' },
      },
    });
  });

  it('a private incident event carries only the id; other events are recognised as such', () => {
    const { raw: body } = fake.webhook('private_incident.incident_updated_v2', '01A', SECRET);
    expect(parseIncidentioWebhook(JSON.parse(body))).toEqual({
      ok: true,
      event: { kind: 'private', eventType: 'private_incident.incident_updated_v2', id: '01A' },
    });
    expect(parseIncidentioWebhook({ event_type: 'public_incident.follow_up_created_v1' })).toEqual({
      ok: true,
      event: { kind: 'other', eventType: 'public_incident.follow_up_created_v1' },
    });
  });

  it('names the path of each problem', () => {
    const result = parseIncidentioWebhook({
      event_type: 'public_incident.incident_updated_v2',
      'public_incident.incident_updated_v2': { id: '01A', created_at: 'x', updated_at: '2026-11-20T12:00:00Z' },
    });
    expect(result.ok === false && result.problems.map((p) => p.path)).toEqual([
      'public_incident.incident_updated_v2.created_at',
      'public_incident.incident_updated_v2.incident_status',
    ]);
    expect(parseIncidentioWebhook({})).toEqual({
      ok: false,
      problems: [{ path: 'event_type', message: 'expected a string, got undefined' }],
    });
  });
});
