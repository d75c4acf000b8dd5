import type { DriftRecord, JsonObject } from '@driftwarden/domain';
import type { AuditEntry } from '@driftwarden/store';
import { incidentNoteText, MAX_NOTE_LENGTH, noteApplies, noteTransitionsFor } from './incident-notes';

const entry = (type: string, details: JsonObject = {}, extra: Partial<AuditEntry> = {}): AuditEntry & { id: string } => ({
  id: '1700000000000-0',
  at: '2026-11-20T12:00:00.000Z',
  type,
  actor: 'pipeline',
  driftId: 'drf_1',
  details,
  ...extra,
});

function record(overrides: Partial<DriftRecord> = {}): DriftRecord {
  return {
    id: 'drf_1',
    status: 'held',
    dryRun: false,
    resource: {
      type: 'AWS::EC2::SecurityGroup',
      id: 'sg-0abc',
      account: '111122223333',
      region: 'eu-west-1',
      address: 'aws_security_group.workers',
    },
    decision: { action: 'hold', rule: 4, reason: 'frozen' },
    principal: { arn: 'arn:aws:sts::111122223333:assumed-role/developer/mallory', class: 'other', session: 'mallory' },
    changedAt: '2026-11-20T11:59:00.000Z',
    detectedAt: '2026-11-20T11:59:30.000Z',
    updatedAt: '2026-11-20T12:00:00.000Z',
    diff: { equal: false },
    // What a note says changed: the differences' sentences (only `sentence` is read).
    differences: [{ sentence: 'opens ingress tcp/22 from 0.0.0.0/0' } as NonNullable<DriftRecord['differences']>[number]],
    evidence: { eventIds: ['e1'], configurationStateId: 1, captureTime: '2026-11-20T11:59:00.000Z', rule: 4, apiCalls: [] },
    links: { incident: { provider: 'pagerduty', id: 'Q1', number: 7, title: 'checkout down' } },
    ...overrides,
  };
}

describe('which audit entries are transitions told on the incident timeline', () => {
  it('a hold, once per drift however often it is decided again (a constant key)', () => {
    expect(noteTransitionsFor(entry('decision', { action: 'hold' }))).toEqual([{ transition: 'held', key: 'hold' }]);
    expect(noteTransitionsFor(entry('redecision', { action: 'hold', newlySuspicious: [] }))).toEqual([{ transition: 'held', key: 'hold' }]);
  });

  it('newly suspicious differences, keyed by which (the same set twice is one transition)', () => {
    const a = noteTransitionsFor(entry('decision', { action: 'hold', newlySuspicious: ['opens tcp/22 (by x)', 'opens tcp/80 (by x)'] }));
    const b = noteTransitionsFor(entry('redecision', { action: 'hold', newlySuspicious: ['opens tcp/80 (by x)', 'opens tcp/22 (by x)'] }));
    expect(a.map((t) => t.transition)).toEqual(['held', 'suspicious']);
    expect(a[1].key).toBe(b[1].key);
    expect(noteTransitionsFor(entry('decision', { action: 'hold', newlySuspicious: ['opens tcp/443 (by y)'] }))[1].key).not.toBe(a[1].key);
  });

  it('backport opened (per pull request), merged, reverted (per revert); nothing else, nothing in dry-run or without a drift', () => {
    expect(noteTransitionsFor(entry('backport.pull_request', { url: 'https://github.com/acme/infra/pull/1' }))).toEqual([
      { transition: 'backport_opened', key: expect.any(String) },
    ]);
    expect(noteTransitionsFor(entry('backport.merged'))).toEqual([{ transition: 'backport_merged', key: 'merged' }]);
    expect(noteTransitionsFor(entry('remediation.reverted'))).toEqual([{ transition: 'reverted', key: '1700000000000-0' }]);
    expect(noteTransitionsFor(entry('decision', { action: 'revert' }))).toEqual([]);
    expect(noteTransitionsFor(entry('decision', { action: 'hold', dryRun: true }))).toEqual([]);
    expect(noteTransitionsFor(entry('freeze.unknown'))).toEqual([]);
    expect(noteTransitionsFor(entry('decision', { action: 'hold' }, { driftId: undefined }))).toEqual([]);
    expect(noteTransitionsFor(entry('incident_note.posted'))).toEqual([]);
  });

  it('only records linked to an incident, never dry-run ones', () => {
    expect(noteApplies(record())).toBe(true);
    expect(noteApplies(record({ links: {} }))).toBe(false);
    expect(noteApplies(record({ dryRun: true }))).toBe(false);
  });
});

describe('the note', () => {
  it('says what driftwarden did, on which resource, what changed, who did it, and links the record', () => {
    expect(
      incidentNoteText({
        transition: 'held',
        record: record(),
        entry: entry('decision', { action: 'hold' }),
        recordUrl: 'https://dw.example/v1/drifts/drf_1',
      }),
    ).toBe(
      [
        'driftwarden held a change on sg-0abc (aws_security_group.workers, 111122223333, eu-west-1): it is not reverted while auto-heal is frozen, and is decided again when the freeze ends.',
        'What changed: opens ingress tcp/22 from 0.0.0.0/0.',
        'Changed by: arn:aws:sts::111122223333:assumed-role/developer/mallory.',
        'Record: https://dw.example/v1/drifts/drf_1',
      ].join('\n'),
    );
  });

  it('a backport links the pull request; a suspicious note names the suspicious differences; a revert what it reverted', () => {
    const pr = record({
      links: {
        incident: { provider: 'pagerduty', id: 'Q1', title: 't' },
        pullRequest: { url: 'https://github.com/acme/infra/pull/9', number: 9 },
      },
    });
    expect(incidentNoteText({ transition: 'backport_opened', record: pr, entry: entry('backport.pull_request') })).toMatch(
      /^driftwarden opened a backport pull request[\s\S]*Pull request: https:\/\/github.com\/acme\/infra\/pull\/9\nRecord: drf_1$/,
    );
    expect(
      incidentNoteText({
        transition: 'suspicious',
        record: record(),
        entry: entry('decision', { newlySuspicious: ['opened tcp/22 (by m)'] }),
      }),
    ).toContain('What changed: opened tcp/22 (by m).');
    expect(
      incidentNoteText({
        transition: 'reverted',
        record: record(),
        entry: entry('remediation.reverted', {}, { reason: 'reverted and verified: opened ingress tcp/22 from 0.0.0.0/0' }),
      }),
    ).toContain('What changed: opened ingress tcp/22 from 0.0.0.0/0.');
  });

  it('stays short', () => {
    const long = incidentNoteText({
      transition: 'suspicious',
      record: record(),
      entry: entry('decision', { newlySuspicious: Array.from({ length: 200 }, (_, i) => `opened tcp/${i} (by someone with a long name)`) }),
    });
    expect(long.length).toBe(MAX_NOTE_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
