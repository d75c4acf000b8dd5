import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeControllerApi } from '../testing/controller-api.fake';
import { runTestCli, type TestRunOptions } from '../testing/terminal.fake';
import type { ReplaySummary } from './replay.command';

const TOKEN = 'op-token';
const dir = mkdtempSync(join(tmpdir(), 'driftwarden-replay-'));
let fileCounter = 0;

function eventsFile(lines: string[]): string {
  fileCounter += 1;
  const file = join(dir, `events-${fileCounter}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function configItemEvent(id: string, resourceId: unknown = 'sg-0abc1234def567890'): string {
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: '111122223333',
    region: 'eu-west-1',
    detail: {
      messageType: 'ConfigurationItemChangeNotification',
      configurationItem: { resourceType: 'AWS::EC2::SecurityGroup', resourceId },
    },
  });
}

/** The event ids of a request body: an array for a batch, one id for a single event. */
function idsOf(body: unknown): string | string[] {
  return Array.isArray(body) ? body.map((e: { id: string }) => e.id) : (body as { id: string }).id;
}

describe('driftwarden replay', () => {
  let api: FakeControllerApi;
  let run: (argv: string[], options?: TestRunOptions) => ReturnType<typeof runTestCli>;

  beforeEach(async () => {
    api = new FakeControllerApi({ tokens: { [TOKEN]: 'admin', 'ingest-token': 'ingest' } });
    const url = await api.start();
    run = (argv, options = {}) => runTestCli(argv, { ...options, env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: TOKEN, ...options.env } });
  });
  afterEach(() => api.stop());

  it('posts events in batches of --batch with the bearer token, skipping blank and # lines', async () => {
    const file = eventsFile([
      '# captured 2025-03-04',
      configItemEvent('e1'),
      '',
      configItemEvent('e2'),
      configItemEvent('e3'),
      '   # indented comment',
      configItemEvent('e4'),
      configItemEvent('e5'),
    ]);

    const result = await run(['replay', file, '--batch', '2']);

    expect(result.code).toBe(0);
    const posts = api.requestsTo('POST', '/v1/events');
    expect(posts.map((r) => idsOf(r.body))).toEqual([['e1', 'e2'], ['e3', 'e4'], 'e5']);
    // the last batch has one line: sent as one object, not an array
    expect(posts[2].body).toMatchObject({ id: 'e5' });
    expect(posts.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(result.stdout).toContain('5 events, 5 accepted, 0 duplicates, 0 rejected');
    expect(result.stdout).toContain('skipped 3 blank or comment lines');
    expect(result.stderr).toBe('');
  });

  it('retries a batch refused with 400 line by line: good lines accepted, the bad one reported with its line and path (exit 1)', async () => {
    const file = eventsFile([
      configItemEvent('e1'),
      configItemEvent('e2'),
      configItemEvent('bad', 42), // line 3
      configItemEvent('e4'),
    ]);

    const result = await run(['replay', file]);

    expect(result.code).toBe(1);
    const posts = api.requestsTo('POST', '/v1/events');
    expect(posts).toHaveLength(5); // the batch of 4, then each line alone
    expect(Array.isArray(posts[0].body)).toBe(true);
    expect(posts.slice(1).map((r) => idsOf(r.body))).toEqual(['e1', 'e2', 'bad', 'e4']);
    expect(result.stdout).toContain('4 events, 3 accepted, 0 duplicates, 1 rejected');
    expect(result.stdout).toContain('line 3: detail.configurationItem.resourceId: expected string, got number');
  });

  it('reports invalid JSON and non-object lines with their line numbers and never sends them', async () => {
    const file = eventsFile([configItemEvent('e1'), '{"id": "broken",', '[1,2]', configItemEvent('e4')]);

    const result = await run(['replay', file, '--json']);

    expect(result.code).toBe(1);
    expect(api.requestsTo('POST', '/v1/events').map((r) => idsOf(r.body))).toEqual([['e1', 'e4']]);
    const summary = JSON.parse(result.stdout) as ReplaySummary;
    expect(summary).toMatchObject({ ok: false, events: 4, accepted: 2, duplicates: 0, notSent: [] });
    expect(summary.rejected.map((r) => r.line)).toEqual([2, 3]);
    expect(summary.rejected[0].problems[0].message).toMatch(/^invalid JSON: /);
    expect(summary.rejected[1].problems[0].message).toBe('expected one event (a JSON object) per line, got an array');
  });

  it('counts duplicates apart from new events and exits 0', async () => {
    const file = eventsFile([configItemEvent('e1'), configItemEvent('e1'), configItemEvent('e2')]);

    const result = await run(['replay', file, '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, accepted: 2, duplicates: 1, rejected: [] });
  });

  it('prints no progress on stderr when stderr is not a terminal, even over a long replay', async () => {
    const file = eventsFile(Array.from({ length: 6 }, (_, i) => configItemEvent(`e${i}`)));

    const result = await run(['replay', file, '--batch', '1'], { stderrTTY: false, tickMs: 1 });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('\r');
  });

  it('prints a plain progress line now and then when not a terminal and the replay runs long', async () => {
    const file = eventsFile(Array.from({ length: 6 }, (_, i) => configItemEvent(`e${i}`)));

    // every clock reading advances 4 s: the 10 s interval between plain lines passes mid-replay
    const result = await run(['replay', file, '--batch', '1'], { stderrTTY: false, tickMs: 4000 });

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^replay: \d\/6 \(\d+%\), \d accepted, 0 duplicates, 0 rejected\n/);
    expect(result.stderr).not.toContain('\r');
  });

  it('draws a progress bar on stderr when it is a terminal, and clears it before the report', async () => {
    const file = eventsFile([configItemEvent('e1'), configItemEvent('e2')]);

    const result = await run(['replay', file, '--batch', '1'], { stderrTTY: true });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('replay [');
    expect(result.stderr).toContain('100% 2/2 2 accepted');
    expect(result.stderr.endsWith('\r\u001b[2K')).toBe(true);
    expect(result.stdout).toContain('2 accepted');
  });

  it('splits a batch the server finds too large (413) instead of failing it', async () => {
    await api.stop();
    api = new FakeControllerApi({ tokens: { [TOKEN]: 'admin' }, maxBodyBytes: 700 });
    const url = await api.start();
    const file = eventsFile(Array.from({ length: 4 }, (_, i) => configItemEvent(`e${i}`)));

    const result = await runTestCli(['replay', file, '--json'], { env: { DRIFTWARDEN_URL: url, DRIFTWARDEN_TOKEN: TOKEN } });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ accepted: 4, rejected: [] });
    const sizes = api.requestsTo('POST', '/v1/events').map((r) => (Array.isArray(r.body) ? r.body.length : 1));
    expect(sizes).toEqual([4, 2, 2]);
  });

  it('retries a batch after 503, honouring Retry-After', async () => {
    const file = eventsFile([configItemEvent('e1')]);
    api.replyNext(503, { error: { code: 'unavailable', message: 'workers restarting' } }, { 'retry-after': '2' });

    const result = await run(['replay', file]);

    expect(result.code).toBe(0);
    expect(result.sleeps).toEqual([2000]);
    expect(api.requestsTo('POST', '/v1/events')).toHaveLength(2);
    expect(result.stdout).toContain('1 accepted');
  });

  it('stops with exit 2 when the token cannot ingest, and says which lines were not sent', async () => {
    const file = eventsFile([configItemEvent('e1'), configItemEvent('e2')]);

    const result = await run(['replay', file], { env: { DRIFTWARDEN_TOKEN: 'unknown-token' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the token was rejected (401): set DRIFTWARDEN_TOKEN');
    expect(result.stdout).toContain('2 lines not sent (lines 1-2)');
    expect(result.stdout + result.stderr).not.toContain('unknown-token');
  });

  it('exits 2 with a clear message when the file cannot be read', async () => {
    const result = await run(['replay', join(dir, 'missing.jsonl')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${join(dir, 'missing.jsonl')}: no such file (ENOENT)`);
    expect(api.requests).toHaveLength(0);
  });

  it('refuses a --batch that is not a positive number (exit 2)', async () => {
    const result = await run(['replay', eventsFile([configItemEvent('e1')]), '--batch', '0']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--batch <n>' argument '0' is invalid");
    expect(api.requests).toHaveLength(0);
  });
});
