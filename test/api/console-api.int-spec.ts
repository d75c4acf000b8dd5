import { dropPrefix, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';

interface FreezeEvent {
  frozen: boolean;
  sources: { id: string; type: string; reason: string }[];
}

/** Reads server-sent events from a fetch body, one `freeze` event at a time. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<FreezeEvent> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes('event: freeze') && data) return JSON.parse(data.slice(6)) as FreezeEvent;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe('the console API: GET /v1/me, the freeze stream, the drift list filters', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController();
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  it('GET /v1/me names the token, its role and what it may do; ingest and no token are refused', async () => {
    expect((await http(ctl.url, 'GET', '/v1/me', { token: TOKENS.viewer })).body).toEqual({
      name: 't-viewer',
      role: 'viewer',
      identity: null,
      can: { decide: false, freeze: false, override: false, exceptions: false },
    });
    expect((await http(ctl.url, 'GET', '/v1/me', { token: TOKENS.operator })).body).toMatchObject({
      role: 'operator',
      can: { decide: true, freeze: true, override: false, exceptions: true },
    });
    expect((await http(ctl.url, 'GET', '/v1/me', { token: 'alice-token' })).body).toMatchObject({
      name: 't-alice',
      identity: 'alice@example.com',
    });
    expect((await http(ctl.url, 'GET', '/v1/me', { token: TOKENS.admin })).body).toMatchObject({ can: { override: true } });
    expect((await http(ctl.url, 'GET', '/v1/me', { token: TOKENS.ingest })).status).toBe(403);
    expect((await http(ctl.url, 'GET', '/v1/me')).status).toBe(401);
  });

  it('the freeze stream needs the bearer header (no token in a URL) and pushes each transition', async () => {
    expect((await http(ctl.url, 'GET', '/v1/freeze/stream')).status).toBe(401);
    expect((await http(ctl.url, 'GET', '/v1/freeze/stream?access_token=viewer-token')).status).toBe(401);
    expect((await http(ctl.url, 'GET', '/v1/freeze/stream?x=1', { token: TOKENS.viewer })).status).toBe(400);
    const ac = new AbortController();
    const res = await fetch(`${ctl.url}/v1/freeze/stream`, { headers: { authorization: `Bearer ${TOKENS.viewer}` }, signal: ac.signal });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const next = eventReader(res.body!);
      expect(await next()).toMatchObject({ frozen: false, sources: [] });
      const created = await http<{ id: string }>(ctl.url, 'POST', '/v1/freezes', {
        token: TOKENS.operator,
        body: { reason: 'stream test', ttl: '1h' },
      });
      expect(created.status).toBe(201);
      const frozen = await next();
      expect(frozen.frozen).toBe(true);
      expect(frozen.sources).toEqual([expect.objectContaining({ id: created.body.id, type: 'manual', reason: 'stream test' })]);
      expect((await http(ctl.url, 'DELETE', `/v1/freezes/${created.body.id}`, { token: TOKENS.operator })).status).toBe(200);
      // Events may coalesce, but the last one says the freeze is gone.
      let last = await next();
      while (last.frozen) last = await next();
      expect(last.sources).toEqual([]);
    } finally {
      ac.abort();
    }
  });

  it('the drift list takes kind, region, suspicious and text, and names a bad value', async () => {
    const ok = await http<{ items: unknown[]; next: string | null }>(
      ctl.url,
      'GET',
      '/v1/drifts?kind=AWS::EC2::SecurityGroup&region=eu-west-1&suspicious=true&text=tcp%2F22',
      { token: TOKENS.viewer },
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ items: [], next: null });
    const bad = await http<{ error: { problems: { path: string }[] } }>(
      ctl.url,
      'GET',
      '/v1/drifts?kind=securitygroup&region=mars&suspicious=maybe',
      { token: TOKENS.viewer },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems.map((p) => p.path)).toEqual(['query.kind', 'query.region', 'query.suspicious']);
  });

  it('an open stream does not hold up shutdown: closing the controller ends it', async () => {
    const other = await startTestController();
    try {
      const res = await fetch(`${other.url}/v1/freeze/stream`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
      const next = eventReader(res.body!);
      await next();
      await other.close();
      await expect(next()).rejects.toThrow();
    } finally {
      await dropPrefix(other.prefix);
    }
  });
});
