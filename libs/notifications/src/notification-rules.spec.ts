import type { AuditEntry } from '@driftwarden/store';
import { notificationsFor } from './notification-rules';

const entry = (e: Partial<AuditEntry> & { type: string }): AuditEntry & { id: string } => ({
  id: '1750000000000-0',
  at: '2026-11-22T10:00:00.000Z',
  actor: 'pipeline',
  driftId: 'drf_abc',
  resourceKey: '111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-0abc',
  reason: 'needs human approval: reverting would widen exposure',
  ...e,
});

describe('notificationsFor', () => {
  it('a revert waiting for approval (rule 5), in plain English, with the drift and the resource', () => {
    const [n, ...rest] = notificationsFor(
      entry({
        type: 'decision',
        details: { action: 'await_approval', rule: 5, dryRun: false, principal: 'arn:aws:sts::111122223333:assumed-role/dev/bob' },
      }),
    );
    expect(rest).toEqual([]);
    expect(n).toEqual({
      kind: 'awaiting_approval',
      title: 'Approval needed: reverting the change by arn:aws:sts::111122223333:assumed-role/dev/bob on sg-0abc (111122223333, eu-west-1)',
      reason: 'needs human approval: reverting would widen exposure',
      driftId: 'drf_abc',
      resourceKey: '111122223333/eu-west-1/AWS::EC2::SecurityGroup/sg-0abc',
      auditId: '1750000000000-0',
      at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('a re-decision to await approval too (a held drift after its freeze)', () => {
    expect(
      notificationsFor(entry({ type: 'redecision', details: { action: 'await_approval', dryRun: false } })).map((n) => n.kind),
    ).toEqual(['awaiting_approval']);
  });

  it('a suspicious change, alone or with the approval it needs', () => {
    expect(
      notificationsFor(entry({ type: 'decision', details: { action: 'hold', flags: ['suspicious'], principal: 'arn:x' } })).map(
        (n) => n.kind,
      ),
    ).toEqual(['suspicious']);
    expect(
      notificationsFor(entry({ type: 'redecision', details: { action: 'await_approval', flags: ['suspicious'] } })).map((n) => n.kind),
    ).toEqual(['awaiting_approval', 'suspicious']);
  });

  it('decided difference by difference: each suspicious difference is told once, when it is first flagged, naming who made it', () => {
    const first = notificationsFor(
      entry({
        type: 'decision',
        details: {
          action: 'hold',
          flags: ['suspicious'],
          newlySuspicious: ['opened ingress tcp/22 from 0.0.0.0/0 (the internet) (by arn:mallory)'],
        },
      }),
    );
    expect(first.map((n) => n.kind)).toEqual(['suspicious']);
    expect(first[0].title).toBe(
      'Suspicious change on sg-0abc (111122223333, eu-west-1): opened ingress tcp/22 from 0.0.0.0/0 (the internet) (by arn:mallory) — widened exposure during a freeze',
    );
    // A later decision on the same resource keeps the flag but tells nobody again.
    expect(notificationsFor(entry({ type: 'decision', details: { action: 'hold', flags: ['suspicious'], newlySuspicious: [] } }))).toEqual(
      [],
    );
  });

  it('a break-glass change that leaves the code wider is backported, and the on-call is told (widens_exposure)', () => {
    const [n, ...rest] = notificationsFor(
      entry({
        type: 'decision',
        details: {
          action: 'backport',
          rule: 3,
          dryRun: false,
          widensExposure: ['opened ingress tcp/22 from 0.0.0.0/0 (the internet) (by arn:alice)'],
        },
      }),
    );
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      kind: 'widens_exposure',
      title:
        'Break-glass change widens exposure on sg-0abc (111122223333, eu-west-1): opened ingress tcp/22 from 0.0.0.0/0 (the internet) (by arn:alice) — backported, not reverted',
    });
    expect(notificationsFor(entry({ type: 'decision', details: { action: 'backport', dryRun: true, widensExposure: ['x'] } }))).toEqual([]);
  });

  it('failures, a closed backport and an unknown incident state', () => {
    expect(notificationsFor(entry({ type: 'remediation.failed' }))[0]).toMatchObject({
      kind: 'remediation_failed',
      title: 'Revert failed on sg-0abc (111122223333, eu-west-1)',
    });
    expect(notificationsFor(entry({ type: 'backport.failed' }))[0]).toMatchObject({
      kind: 'remediation_failed',
      title: 'Backport failed for sg-0abc (111122223333, eu-west-1)',
    });
    expect(notificationsFor(entry({ type: 'backport.closed' }))[0]).toMatchObject({ kind: 'awaiting_approval' });
    expect(notificationsFor(entry({ type: 'tracking.not_planned', details: { status: 'awaiting_approval' } }))[0]).toMatchObject({
      kind: 'awaiting_approval',
      title: expect.stringContaining('tracking issue') as string,
    });
    // Closed as not planned on a resource never reverted (rejected), or as completed: nobody needs to act.
    expect(notificationsFor(entry({ type: 'tracking.not_planned', details: { status: 'rejected' } }))).toEqual([]);
    expect(notificationsFor(entry({ type: 'tracking.completed', details: { status: 'backport_merged' } }))).toEqual([]);
    expect(notificationsFor(entry({ type: 'freeze.unknown', driftId: undefined, resourceKey: undefined }))[0]).toMatchObject({
      kind: 'freeze_unknown',
      title: 'Auto-heal frozen: the incident state cannot be read',
    });
  });

  it('a tracking issue opened or updated for a resource no kind models: what changed, never reverted, codify or undo', () => {
    const key = '111122223333/eu-west-1/AWS::EC2::Volume/vol-1';
    const [n, ...rest] = notificationsFor(
      entry({
        type: 'backport.issue',
        resourceKey: key,
        details: {
          url: 'https://github.com/acme/infra/issues/7',
          tracking: true,
          opened: true,
          changes: ['changed Configuration.Size from 100 to 200'],
        },
      }),
    );
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      kind: 'tracking_issue',
      title:
        'Changed by hand on vol-1 (111122223333, eu-west-1) (Terraform-managed, never reverted): changed Configuration.Size from 100 to 200 — tracking issue opened https://github.com/acme/infra/issues/7: codify it or undo it by hand',
    });
    // The security-group "cannot edit safely" issue is not a tracking issue.
    expect(notificationsFor(entry({ type: 'backport.issue', details: { url: 'https://github.com/acme/infra/issues/8' } }))).toEqual([]);
  });

  it('an overdue backport, naming the pull request and how long it has been open', () => {
    const [n, ...rest] = notificationsFor(
      entry({
        type: 'backport.overdue',
        reason: 'not merged within backport.expiryDays (7 days)',
        details: { pullRequest: 'acme/infra#12', url: 'https://github.com/acme/infra/pull/12', openDays: 7, period: 1 },
      }),
    );
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      kind: 'backport_overdue',
      title: 'Backport overdue for sg-0abc (111122223333, eu-west-1): acme/infra#12 is not merged after 7 days — merge it or close it',
    });
  });

  it('nothing for dry-run decisions, other decisions and everything else', () => {
    expect(notificationsFor(entry({ type: 'decision', details: { action: 'await_approval', dryRun: true } }))).toEqual([]);
    for (const action of ['revert', 'backport', 'hold', 'noop', 'ignore']) {
      expect(notificationsFor(entry({ type: 'decision', details: { action } }))).toEqual([]);
    }
    for (const type of ['remediation.reverted', 'freeze.created', 'notification.failed', 'api.events', 'unreadable']) {
      expect(notificationsFor(entry({ type }))).toEqual([]);
    }
  });
});
