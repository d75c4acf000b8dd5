/**
 * `driftwarden drifts`, `show`, `approve|adopt|reject` and `audit` run in-process against a real
 * controller in enforce mode (real HTTP, real Redis, real pipeline); the cloud-facing ports are
 * fakes, so reverts and backports land in spies.
 */
import { ALICE_TOKEN, dropPrefix, eventually, startTestController, TOKENS, type TestController } from '../support/test-controller';
import { http } from '../support/http';
import { sgEvent } from '../support/events';
import { fakePorts } from '../support/pipeline-harness';
import { cliFor, lines, parseJson, type CliRunner } from './cli-harness';

interface Drift {
  id: string;
  status: string;
  dryRun: boolean;
  resource: { type: string; id: string; account: string; region: string; address?: string; stack?: string };
  decision: { action: string; rule: number | null; reason: string };
  evidence: { eventIds: string[] } & Record<string, unknown>;
  approval?: { action: string; by: string; comment: string };
}

interface Page<T> {
  items: T[];
  next: string | null;
}

interface AuditEntry {
  id: string;
  at: string;
  type: string;
  actor: string;
  reason?: string;
  driftId?: string;
  details?: { id?: string };
}

/** Drifts of this suite live in their own accounts, so list filters see only them. */
const ACCOUNT = '222233334444';
const PAGING_ACCOUNT = '555566667777';
const PAGING_COUNT = 503;
const ALICE_ARN = 'arn:aws:sts::222233334444:assumed-role/dev/alice@example.com';

describe('driftwarden drifts / show / approve / adopt / reject / audit against a running controller', () => {
  let ctl: TestController;
  let viewer: CliRunner;
  let operator: CliRunner;
  const ports = fakePorts();
  let n = 0;

  beforeAll(async () => {
    ctl = await startTestController({ mode: 'enforce', overrides: ports.overrides });
    viewer = cliFor(ctl.url, TOKENS.viewer);
    operator = cliFor(ctl.url, TOKENS.operator);
  });
  afterAll(async () => {
    await ctl.close();
    await dropPrefix(ctl.prefix);
  });

  const getDrift = async (id: string) => (await http<Drift>(ctl.url, 'GET', `/v1/drifts/${id}`, { token: TOKENS.viewer })).body;

  /** Posts one Config item event for a new group and waits for its drift record to reach `status`. */
  async function driftFor(opts: {
    desired: string[];
    live: string[];
    status: string;
    principal?: string;
    account?: string;
  }): Promise<Drift> {
    const group = `sg-0c1d${String(++n).padStart(13, '0')}`;
    ports.desiredState.desired.set(group, opts.desired);
    if (opts.principal) ports.attribution.byResource.set(group, opts.principal);
    const posted = await http(ctl.url, 'POST', '/v1/events', {
      token: TOKENS.ingest,
      body: sgEvent({ groupId: group, stateId: 1_747_400_000_000 + n, rules: opts.live, account: opts.account ?? ACCOUNT }),
    });
    expect(posted.status).toBe(202);
    return eventually(async () => {
      const page = await http<Page<Drift>>(ctl.url, 'GET', `/v1/drifts?resource=${group}`, { token: TOKENS.viewer });
      const found = page.body.items[0];
      return found?.status === opts.status ? found : undefined;
    }, `the drift of ${group} to be ${opts.status}`);
  }

  /** Every audit entry, following the API's cursors. */
  async function wholeAudit(): Promise<AuditEntry[]> {
    const items: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page: Page<AuditEntry> = (
        await http<Page<AuditEntry>>(ctl.url, 'GET', `/v1/audit?limit=1000${query}`, { token: TOKENS.viewer })
      ).body;
      items.push(...page.items);
      cursor = page.next;
    } while (cursor !== null);
    return items;
  }

  /** Someone closed tcp/8080, which the code keeps open: reverting would widen exposure (rule 5). */
  const awaitingApproval = (principal?: string) =>
    driftFor({
      desired: ['tcp/443/10.0.0.0/8', 'tcp/8080/0.0.0.0/0'],
      live: ['tcp/443/10.0.0.0/8'],
      status: 'awaiting_approval',
      principal,
    });

  /** Someone opened tcp/22 to the world: reverted on the spot. */
  const reverted = () =>
    driftFor({ desired: ['tcp/443/10.0.0.0/8'], live: ['tcp/443/10.0.0.0/8', 'tcp/22/0.0.0.0/0'], status: 'reverted' });

  describe('drifts and show', () => {
    let waiting: Drift[];
    let done: Drift;

    beforeAll(async () => {
      waiting = [await awaitingApproval(), await awaitingApproval()];
      done = await reverted();
    });

    it('drifts prints a table of the records, newest first', async () => {
      const run = await viewer.run(['drifts', '--account', ACCOUNT]);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const out = lines(run.stdout);
      expect(out[0]).toMatch(/^ID\s+STATUS\s+DECISION\s+RESOURCE\s+ACCOUNT\s+REGION\s+PRINCIPAL\s+CHANGED\s+FLAGS$/);
      expect(out.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([done.id, waiting[1].id, waiting[0].id]);
      expect(out[1]).toMatch(
        new RegExp(
          `^${done.id}\\s+reverted\\s+revert \\(rule \\d\\)\\s+${done.resource.id}\\s+${ACCOUNT}\\s+eu-west-1\\s+unknown\\s+\\d+d ago`,
        ),
      );
      expect(out[2]).toMatch(
        new RegExp(`^${waiting[1].id}\\s+awaiting_approval\\s+await_approval \\(rule 5\\)\\s+${waiting[1].resource.id}\\s+${ACCOUNT}`),
      );
    });

    it('drifts --json prints {items, next} as the API does', async () => {
      const run = await viewer.run(['drifts', '--account', ACCOUNT, '--json']);

      expect(run.code).toBe(0);
      const page = parseJson<Page<Drift>>(run);
      const api = await http<Page<Drift>>(ctl.url, 'GET', `/v1/drifts?account=${ACCOUNT}`, { token: TOKENS.viewer });
      expect(page).toEqual(api.body);
      expect(page.next).toBeNull();
      expect(page.items.map((d) => d.id)).toEqual([done.id, waiting[1].id, waiting[0].id]);
    });

    it('drifts --status filters by status', async () => {
      const awaiting = await viewer.run(['drifts', '--account', ACCOUNT, '--status', 'awaiting_approval', '--json']);
      const revertedOnly = await viewer.run(['drifts', '--status', 'reverted', '--account', ACCOUNT]);

      expect(parseJson<Page<Drift>>(awaiting).items.map((d) => d.id)).toEqual([waiting[1].id, waiting[0].id]);
      expect(
        lines(revertedOnly.stdout)
          .slice(1)
          .map((l) => l.split(/\s+/)[0]),
      ).toEqual([done.id]);
      const none = await viewer.run(['drifts', '--account', ACCOUNT, '--status', 'backport_merged']);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('no drifts match\n');
    });

    it('drifts --status with a status the API does not know: the API problem is shown, exit 1', async () => {
      const run = await viewer.run(['drifts', '--status', 'pending']);

      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([
        'error: validation_failed (400): invalid query parameters',
        expect.stringMatching(/^ {2}query\.status: expected one of detected, held, awaiting_approval, .*, got "pending"$/),
      ]);
    });

    it('show ID prints the record with its decision and evidence', async () => {
      const drift = await getDrift(waiting[0].id);
      const run = await viewer.run(['show', drift.id]);

      expect(run.code).toBe(0);
      const out = lines(run.stdout);
      expect(out[0]).toBe(`drift ${drift.id}  awaiting_approval`);
      expect(out).toContain(`resource   AWS::EC2::SecurityGroup ${drift.resource.id} (account ${ACCOUNT}, eu-west-1)`);
      expect(out).toContain(`terraform  ${drift.resource.address}, stack network`);
      expect(out).toContain(`decision   await_approval (rule 5): ${drift.decision.reason}`);
      expect(out.find((l) => l.startsWith('principal '))).toBe('principal  unknown, unknown principal');
      // diff and evidence follow as indented trees; the evidence names the event that was decided.
      const evidenceAt = out.indexOf('evidence');
      expect(out.indexOf('diff')).toBeGreaterThan(0);
      expect(evidenceAt).toBeGreaterThan(out.indexOf('diff'));
      const evidence = out.slice(evidenceAt + 1).join('\n');
      expect(evidence).toMatch(/^ {2}\S/);
      expect(evidence).toContain(drift.evidence.eventIds[0]);
      expect(out.slice(out.indexOf('diff') + 1, evidenceAt).join('\n')).toContain('8080');
    });

    it('show ID --json is the record as the API returns it', async () => {
      const run = await viewer.run(['show', done.id, '--json']);

      expect(run.code).toBe(0);
      expect(parseJson<Drift>(run)).toEqual(await getDrift(done.id));
    });

    it('show with an unknown id: a clear 404, exit 1', async () => {
      const unknown = await viewer.run(['show', 'drf_doesnotexist']);
      const malformed = await viewer.run(['show', 'sg-0abc']);

      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toBe('error: not_found (404): no drift record "drf_doesnotexist"\n');
      expect(malformed.code).toBe(1);
      expect(malformed.stderr).toBe('error: not_found (404): no drift record "sg-0abc"\n');
    });
  });

  describe('drifts: paging with --limit across more than one page', () => {
    let ids: string[];

    beforeAll(async () => {
      // More records than one API page can carry (GET /v1/drifts takes limit 1-500).
      const events = Array.from({ length: PAGING_COUNT }, (_, i) =>
        sgEvent({
          groupId: `sg-0pa9e${String(i).padStart(12, '0')}`,
          stateId: 1_747_500_000_000 + i,
          rules: ['tcp/22/0.0.0.0/0'],
          account: PAGING_ACCOUNT,
        }),
      );
      for (let i = 0; i < events.length; i += 250) {
        const posted = await http(ctl.url, 'POST', '/v1/events', { token: TOKENS.ingest, body: events.slice(i, i + 250) });
        expect(posted.status).toBe(202);
      }
      ids = await eventually(
        async () => {
          const first = await http<Page<Drift>>(ctl.url, 'GET', `/v1/drifts?account=${PAGING_ACCOUNT}&limit=500`, { token: TOKENS.viewer });
          if (first.body.next === null) return undefined;
          const rest = await http<Page<Drift>>(ctl.url, 'GET', `/v1/drifts?account=${PAGING_ACCOUNT}&limit=500&cursor=${first.body.next}`, {
            token: TOKENS.viewer,
          });
          const all = [...first.body.items, ...rest.body.items].map((d) => d.id);
          return all.length === PAGING_COUNT ? all : undefined;
        },
        `${PAGING_COUNT} drift records`,
        20_000,
      );
    }, 30_000);

    it('--limit above one page follows the cursor: the first 502 records in order, next set (--json)', async () => {
      const run = await viewer.run(['drifts', '--account', PAGING_ACCOUNT, '--limit', '502', '--json']);

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const page = parseJson<Page<Drift>>(run);
      expect(page.items.map((d) => d.id)).toEqual(ids.slice(0, 502));
      expect(page.next).not.toBeNull();
    });

    it('a --limit larger than the list collects all of it; next is null', async () => {
      const run = await viewer.run(['drifts', '--account', PAGING_ACCOUNT, '--limit', '10000', '--json']);

      expect(run.code).toBe(0);
      const page = parseJson<Page<Drift>>(run);
      expect(page.items.map((d) => d.id)).toEqual(ids);
      expect(new Set(page.items.map((d) => d.id)).size).toBe(PAGING_COUNT);
      expect(page.next).toBeNull();
    });

    it('the table says when more records exist than --limit', async () => {
      const run = await viewer.run(['drifts', '--account', PAGING_ACCOUNT, '--limit', '501']);

      expect(run.code).toBe(0);
      const out = lines(run.stdout);
      expect(out).toHaveLength(1 + 501);
      expect(out.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(ids.slice(0, 501));
      expect(run.stderr).toBe('more drifts exist: raise --limit (now 501)\n');
      // Unmanaged groups are ignored by no numbered rule: the decision shows no "(rule null)".
      expect(out[1]).toMatch(/^drf_\S+\s+ignored\s+ignore\s+sg-0pa9e\d{12}\s+555566667777\s/);
      expect(run.stdout).not.toContain('rule null');
    });

    it('show of an ignored drift: the decision without a rule number', async () => {
      const run = await viewer.run(['show', ids[0]]);

      expect(run.code).toBe(0);
      expect(lines(run.stdout)).toContain('decision   ignore: unmanaged resource: no configured Terraform stack owns it');
    });

    it('a small --limit is one page', async () => {
      const run = await viewer.run(['drifts', '--account', PAGING_ACCOUNT, '--limit', '3', '--json']);

      const page = parseJson<Page<Drift>>(run);
      expect(page.items.map((d) => d.id)).toEqual(ids.slice(0, 3));
      expect(page.next).not.toBeNull();
    });
  });

  describe('approve, adopt, reject', () => {
    it('approve ID --comment …: recorded with the comment, then the revert runs (spy)', async () => {
      const drift = await awaitingApproval();

      const run = await operator.run(['approve', drift.id, '--comment', 'the port must stay open for the partner API']);

      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`approved drift ${drift.id}: status now awaiting_approval\n`);
      expect(run.stderr).toBe('');
      const done = await eventually(async () => {
        const d = await getDrift(drift.id);
        return d.status === 'reverted' ? d : undefined;
      }, 'the approved revert');
      expect(done.approval).toMatchObject({
        action: 'approve',
        by: 'token:t-operator',
        comment: 'the port must stay open for the partner API',
      });
      expect(ports.remediation.calls).toContain(drift.id);
      expect(ports.backport.calls).not.toContain(drift.id);
    });

    it('adopt ID --comment …: keeps the live state and opens a backport (spy), no revert', async () => {
      const drift = await awaitingApproval();

      const run = await operator.run(['adopt', drift.id, '--comment', 'closing 8080 was right']);

      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`adopted drift ${drift.id}: status now backport_open\n`);
      await eventually(async () => ports.backport.calls.includes(drift.id), 'the backport');
      expect(ports.remediation.calls).not.toContain(drift.id);
      expect((await getDrift(drift.id)).approval).toMatchObject({ action: 'adopt', comment: 'closing 8080 was right' });
    });

    it('reject ID --comment … --json: the record as the API answers; a second decision is refused (409, exit 1)', async () => {
      const drift = await awaitingApproval();

      const run = await operator.run(['reject', drift.id, '--comment', 'leave it', '--json']);

      expect(run.code).toBe(0);
      expect(parseJson<Drift>(run)).toMatchObject({
        id: drift.id,
        status: 'rejected',
        approval: { action: 'reject', by: 'token:t-operator', comment: 'leave it' },
      });
      expect((await getDrift(drift.id)).status).toBe('rejected');
      expect(ports.remediation.calls).not.toContain(drift.id);
      expect(ports.backport.calls).not.toContain(drift.id);

      const again = await operator.run(['approve', drift.id, '--comment', 'changed my mind']);
      expect(again.code).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toBe(
        `error: not_awaiting_approval (409): drift ${drift.id} is rejected; only a drift awaiting approval (or failed) takes a human decision\n`,
      );
    });

    it('approve without --comment (or with a blank one) is a usage error: exit 2, nothing decided', async () => {
      const drift = await awaitingApproval();

      const missing = await operator.run(['approve', drift.id]);
      const blank = await operator.run(['adopt', drift.id, '--comment', '   ']);

      expect(missing.code).toBe(2);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toContain("error: required option '--comment <text>' not specified");
      expect(blank.code).toBe(2);
      expect(blank.stderr).toContain("option '--comment <text>' argument '   ' is invalid. must not be empty.");
      const after = await getDrift(drift.id);
      expect(after.status).toBe('awaiting_approval');
      expect(after.approval).toBeUndefined();
    });

    it('the person who made the change cannot decide on it: the API refusal is shown (not as a role problem), exit 1', async () => {
      const drift = await awaitingApproval(ALICE_ARN);

      const run = await cliFor(ctl.url, ALICE_TOKEN).run(['approve', drift.id, '--comment', 'looks fine to me']);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'error: self_approval (403): alice@example.com made this change and cannot also decide on it; ask another operator\n',
      );
      expect(run.stdout + run.stderr).not.toContain(ALICE_TOKEN);
      expect((await getDrift(drift.id)).status).toBe('awaiting_approval');
    });

    it('deciding on an unknown drift: 404, exit 1', async () => {
      const run = await operator.run(['reject', 'drf_doesnotexist', '--comment', 'x']);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe('error: not_found (404): no drift record "drf_doesnotexist"\n');
    });
  });

  describe('audit', () => {
    let since: string;
    let marker: string;
    let earlier: AuditEntry[];
    let freezeId: string;

    beforeAll(async () => {
      // Something recorded before the cut-off...
      const before = await awaitingApproval();
      const rejected = await operator.run(['reject', before.id, '--comment', 'before the cut-off']);
      expect(rejected.code).toBe(0);
      earlier = await wholeAudit();
      // ...the cut-off: 1 ms after the newest entry (stream ids start with the append time in ms)...
      const newest = Math.max(...earlier.map((e) => Number(e.id.split('-')[0])));
      since = new Date(newest + 1).toISOString();
      await eventually(async () => Date.now() > newest + 1, 'the clock to pass the cut-off', 1_000);
      // ...and something after it.
      marker = `audit marker ${Date.now().toString(36)}`;
      const on = await operator.run(['freeze', 'on', '--reason', marker, '--ttl', '90s', '--json']);
      expect(on.code).toBe(0);
      freezeId = parseJson<{ id: string }>(on).id;
    });

    it('audit --since <ISO> --json: only entries at or after that time', async () => {
      const run = await viewer.run(['audit', '--since', since, '--json', '--limit', '1000']);

      expect(run.code).toBe(0);
      const page = parseJson<Page<AuditEntry>>(run);
      expect(page.items.length).toBeGreaterThan(0);
      const cutOff = Date.parse(since);
      for (const entry of page.items) expect(Number(entry.id.split('-')[0])).toBeGreaterThanOrEqual(cutOff);
      expect(page.items).toContainEqual(expect.objectContaining({ type: 'freeze.created', actor: 'token:t-operator', reason: marker }));
      const earlierIds = new Set(earlier.map((e) => e.id));
      expect(page.items.filter((e) => earlierIds.has(e.id))).toEqual([]);
      // Without --since the earlier entries are there: the filter is what left them out.
      const all = parseJson<Page<AuditEntry>>(await viewer.run(['audit', '--json', '--limit', '10000']));
      expect(all.items.map((e) => e.id)).toEqual(expect.arrayContaining(earlier.map((e) => e.id)));
      expect(all.items).toContainEqual(expect.objectContaining({ type: 'api.drift.reject', reason: 'before the cut-off' }));
    });

    it('audit --since <ISO>: a table of those entries only', async () => {
      const run = await viewer.run(['audit', '--since', since]);

      expect(run.code).toBe(0);
      const out = lines(run.stdout);
      expect(out[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+SUBJECT\s+DETAIL$/);
      expect(out.slice(1)).toContainEqual(
        expect.stringMatching(
          new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z\\s+token:t-operator\\s+freeze\\.created\\s+${freezeId}\\s+${marker}$`),
        ),
      );
      expect(run.stdout).not.toContain('before the cut-off');
      expect(run.stdout).not.toContain('api.drift.reject');
    });

    it('audit --json without --since includes decisions and API actions, oldest first', async () => {
      const run = await viewer.run(['audit', '--json', '--limit', '10000']);

      const page = parseJson<Page<AuditEntry>>(run);
      // More entries than one API page (503 decisions of the paging suite alone): --limit follows cursors.
      expect(page.items.length).toBeGreaterThan(500);
      expect(new Set(page.items.map((e) => e.id)).size).toBe(page.items.length);
      const types = new Set(page.items.map((e) => e.type));
      expect([...types]).toEqual(
        expect.arrayContaining(['api.events', 'decision', 'api.drift.approve', 'api.drift.adopt', 'api.drift.reject', 'freeze.created']),
      );
      const ids = page.items.map((e) => e.id);
      expect([...ids].sort(compareStreamIds)).toEqual(ids);
      expect(page.next).toBeNull();
    });

    it('audit --since a time with nothing after it says so', async () => {
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const run = await viewer.run(['audit', '--since', future]);

      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`no audit entries since ${future.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')}\n`);
    });
  });

  it('never printed a token', () => {
    expect(viewer.runs.length + operator.runs.length).toBeGreaterThan(20);
    expect([...viewer.leaks(), ...operator.leaks()]).toEqual([]);
  });
});

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
