import { inspect } from 'node:util';
import { PermanentError, TransientError } from '@driftwarden/domain';
import { INCIDENT_ERROR_CODES } from './incidents.errors';
import { OpsgenieIncidentAdapter } from './opsgenie/opsgenie.adapter';
import { PagerDutyIncidentAdapter } from './pagerduty/pagerduty.adapter';
import { OpsgenieFake, OPSGENIE_FAKE_DEFAULT_KEY } from './testing/opsgenie.fake';
import { PagerDutyFake, PAGERDUTY_FAKE_DEFAULT_TOKEN } from './testing/pagerduty.fake';

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${inspect(err)}`, { cause: err });
  }
  throw new Error('expected the call to fail');
}

describe('notes on a PagerDuty incident (POST /incidents/{id}/notes, validated against the vendored spec)', () => {
  let pd: PagerDutyFake;
  const adapter = (from: string | undefined = 'bot@acme.example') =>
    new PagerDutyIncidentAdapter({
      token: PAGERDUTY_FAKE_DEFAULT_TOKEN,
      apiUrl: pd.url,
      major: {},
      requestTimeoutMs: 500,
      ...(from ? { from } : {}),
    });

  beforeAll(async () => {
    pd = await new PagerDutyFake().start();
  });
  afterAll(async () => {
    await pd.stop();
  });
  beforeEach(() => {
    pd.reset().setIncidents([{ id: 'QNOTE1', priority: 'P1' }]);
  });
  afterEach(() => {
    expect(pd.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  it('adds the note as the From user, and answers its id', async () => {
    expect(await adapter().postNote('QNOTE1', 'driftwarden held a change\non sg-1')).toEqual({ id: expect.stringMatching(/^PN/) });
    expect(pd.notes('QNOTE1')).toEqual([
      { id: expect.any(String), content: 'driftwarden held a change\non sg-1', from: 'bot@acme.example' },
    ]);
    expect(pd.requests[0].headers.from).toBe('bot@acme.example');
  });

  it('without a From user nothing is sent (a config error); an unknown incident is a permanent 404', async () => {
    expect(await failureOf(adapter(null as unknown as undefined).postNote('QNOTE1', 'x'))).toBeInstanceOf(PermanentError);
    expect(pd.requests).toHaveLength(0);
    const gone = await failureOf(adapter().postNote('QGONE', 'x'));
    expect(gone).toMatchObject({ code: INCIDENT_ERROR_CODES.rejected, message: expect.stringContaining('answered 404') });
    expect(await failureOf(adapter().postNote('Q1/../x', 'x'))).toBeInstanceOf(PermanentError);
  });

  it('429 (no blind retry), 5xx, timeout: transient, so the queue backs off', async () => {
    pd.failNext({ status: 429, headers: { 'ratelimit-reset': '9' } });
    expect(await failureOf(adapter().postNote('QNOTE1', 'x'))).toMatchObject({
      code: INCIDENT_ERROR_CODES.rateLimited,
      retryAfterMs: 9_000,
    });
    expect(pd.requests).toHaveLength(1);
    pd.failNext({ status: 503 });
    expect(await failureOf(adapter().postNote('QNOTE1', 'x'))).toBeInstanceOf(TransientError);
    pd.failNext('timeout');
    expect(await failureOf(adapter().postNote('QNOTE1', 'x'))).toMatchObject({ code: INCIDENT_ERROR_CODES.timeout });
    // None of the failed attempts left a note.
    expect(pd.notes('QNOTE1')).toEqual([]);
  });
});

describe('notes on an Opsgenie incident (POST /v1/incidents/{id}/notes)', () => {
  let og: OpsgenieFake;
  const adapter = () =>
    new OpsgenieIncidentAdapter({ apiKey: OPSGENIE_FAKE_DEFAULT_KEY, apiUrl: og.url, major: {}, requestTimeoutMs: 500 });

  beforeAll(async () => {
    og = await new OpsgenieFake().start();
  });
  afterAll(async () => {
    await og.stop();
  });
  beforeEach(() => {
    og.reset().setIncidents([{ id: 'og-1', priority: 'P1' }]);
  });
  afterEach(() => {
    expect(og.requests.flatMap((r) => r.problems)).toEqual([]);
  });

  it('adds the note (Opsgenie accepts it asynchronously: 202 with a request id)', async () => {
    expect(await adapter().postNote('og-1', 'driftwarden opened a backport')).toEqual({ requestId: expect.any(String) });
    expect(og.notes('og-1')).toEqual(['driftwarden opened a backport']);
    expect(og.requests[0]).toMatchObject({ method: 'POST', search: 'identifierType=id' });
  });

  it('429 and 5xx are transient, 401 permanent', async () => {
    og.failNext({ status: 429, headers: { 'X-RateLimit-Period-In-Sec': '30' } });
    expect(await failureOf(adapter().postNote('og-1', 'x'))).toMatchObject({
      code: INCIDENT_ERROR_CODES.rateLimited,
      retryAfterMs: 30_000,
    });
    og.failNext({ status: 500 });
    expect(await failureOf(adapter().postNote('og-1', 'x'))).toBeInstanceOf(TransientError);
    const denied = await failureOf(
      new OpsgenieIncidentAdapter({ apiKey: 'wrong', apiUrl: og.url, major: {}, requestTimeoutMs: 500 }).postNote('og-1', 'x'),
    );
    expect(denied).toMatchObject({ code: INCIDENT_ERROR_CODES.auth });
    og.reset();
    expect(og.notes('og-1')).toEqual([]);
  });
});
