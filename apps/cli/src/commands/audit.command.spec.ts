import { FakeControllerApi } from '../testing/controller-api.fake';
import { runTestCli, type TestRunOptions } from '../testing/terminal.fake';

const TOKEN = 'viewer-token';

describe('driftwarden audit', () => {
  let api: FakeControllerApi;
  let run: (argv: string[], options?: TestRunOptions) => ReturnType<typeof runTestCli>;

  beforeEach(async () => {
    api = new FakeControllerApi({ tokens: { [TOKEN]: 'viewer' }, pageSize: 2 });
    const url = await api.start();
    run = (argv, options = {}) => runTestCli(argv, { ...options, env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: TOKEN, ...options.env } });
    api.audit = [
      { id: 'a1', at: '2025-03-04T09:00:00Z', actor: 'controller', action: 'decision', driftId: 'd-1', reason: 'rule 5: widens exposure' },
      { id: 'a2', at: '2025-03-04T11:00:00Z', actor: 'oncall', action: 'freeze.on', target: 'man-1', reason: 'game day' },
      { id: 'a3', at: '2025-03-04T11:30:00Z', actor: 'oncall', action: 'drift.approve', driftId: 'd-1', comment: 'ok' },
    ];
  });
  afterEach(() => api.stop());

  it('passes --since as an ISO time and prints the entries as a table', async () => {
    const result = await run(['audit', '--since', '2025-03-04T10:00:00Z']);

    expect(result.code).toBe(0);
    expect(api.requests.map((r) => [r.method, r.path, r.query, r.authorization])).toEqual([
      ['GET', '/v1/audit', { since: '2025-03-04T10:00:00.000Z', limit: '50' }, `Bearer ${TOKEN}`],
    ]);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+SUBJECT\s+DETAIL$/);
    expect(lines[1]).toMatch(/^2025-03-04 11:00:00Z\s+oncall\s+freeze\.on\s+man-1\s+game day$/);
    expect(lines[2]).toMatch(/^2025-03-04 11:30:00Z\s+oncall\s+drift\.approve\s+drift d-1\s+ok$/);
    expect(lines).toHaveLength(3);
  });

  it('turns a duration into a time back from now', async () => {
    await run(['audit', '--since', '2h']);

    expect(api.requests[0].query.since).toBe('2025-03-04T10:00:00.000Z');
  });

  it('follows cursors up to --limit; --json prints {items, next}', async () => {
    const result = await run(['audit', '--limit', '3', '--json']);

    expect(api.requests.map((r) => r.query)).toEqual([{ limit: '3' }, { limit: '1', cursor: 'c2' }]);
    const page = JSON.parse(result.stdout) as { items: { id: string }[]; next: string | null };
    expect(page.items.map((e) => e.id)).toEqual(['a1', 'a2', 'a3']);
    expect(page.next).toBeNull();
  });

  it('refuses a --since that is neither a time nor a duration (exit 2)', async () => {
    const result = await run(['audit', '--since', 'yesterday']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected an ISO time');
    expect(api.requests).toHaveLength(0);
  });

  it('says so when there is nothing since the given time', async () => {
    const result = await run(['audit', '--since', '2025-03-05T00:00:00Z']);

    expect(result.stdout).toBe('no audit entries since 2025-03-05 00:00:00Z\n');
  });
});
