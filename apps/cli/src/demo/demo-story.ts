import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { backportBranch } from '@driftwarden/backport';
import type { DriftRecord } from '@driftwarden/domain';
import { pagerDutyWebhookBody, signPagerDutyBody } from '@driftwarden/incidents';
import type { CliContext } from '../cli-context';
import { BUCKET, CHECKOUT_ASG, DemoWorld, PRINCIPALS, RULES } from './demo-world';
import type { PermissionRule } from '@driftwarden/kinds/security-group';

interface StepResult {
  step: number;
  at: string;
  resource: string;
  happened: string;
  why: string;
  ok: boolean;
  expected: string;
}

const sameRule = (a: PermissionRule, b: PermissionRule) =>
  a.direction === b.direction &&
  a.protocol === b.protocol &&
  a.fromPort === b.fromPort &&
  JSON.stringify(a.peer) === JSON.stringify(b.peer);

/**
 * The Friday-afternoon story, told by the real controller against local stand-ins. Every step
 * checks its outcome: the demo exits non-zero if anything differs from the story.
 */
export class DemoStory {
  readonly results: StepResult[] = [];
  private prDiff = '';
  private prBody = '';

  constructor(
    private readonly world: DemoWorld,
    private readonly ctx: CliContext,
  ) {}

  private line(r: StepResult): void {
    const p = this.ctx.palette;
    const mark = r.ok ? p.green('✔') : p.red('✘');
    this.ctx.io.stdout.write(`${mark} ${p.dim(r.at.slice(11, 19))}  ${p.bold(r.resource.padEnd(36))} ${r.happened}\n    ${p.dim(r.why)}\n`);
    if (!r.ok) this.ctx.io.stdout.write(`    ${p.red(`expected: ${r.expected}`)}\n`);
  }

  private record(step: number, resource: string, ok: boolean, happened: string, why: string, expected: string): void {
    const r = { step, at: new Date().toISOString(), resource, happened, why, ok, expected };
    this.results.push(r);
    this.line(r);
  }

  /** Whether the on-call webhook got a signed "approval needed" message for this drift. */
  private async notified(driftId: string, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.world.notifications.some((n) => n.signed && n.body['kind'] === 'awaiting_approval' && n.body['driftId'] === driftId))
        return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  private label(group: string): string {
    return `${this.world.groups[group].groupId} (${group})`;
  }

  private async drift(group: string, where: (d: DriftRecord) => boolean, timeoutMs = 20_000): Promise<DriftRecord | null> {
    const deadline = Date.now() + timeoutMs;
    const id = this.world.groups[group]?.groupId ?? group;
    while (Date.now() < deadline) {
      const res = await this.world.api<{ items: DriftRecord[] }>('GET', `/v1/drifts?resource=${encodeURIComponent(id)}&limit=20`);
      const found = res.body.items.find(where);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  private async frozen(
    expect: boolean,
    timeoutMs = 15_000,
  ): Promise<{ frozen: boolean; sources: { type: string; reason: string }[] } | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const res = await this.world.api<{ frozen: boolean; sources: { type: string; reason: string }[] }>('GET', '/v1/freeze');
      if (res.body.frozen === expect) return res.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  private has(group: string, rule: PermissionRule): boolean {
    return this.world.account.rules(this.world.groups[group].groupId).some((r) => sameRule(r, rule));
  }

  private async pagerDutyWebhook(type: string, status: string, createdAt: string, id: string): Promise<number> {
    const body = JSON.stringify(
      pagerDutyWebhookBody({
        eventId: `EV-${type}-${Date.now()}`,
        type,
        incidentId: id,
        number: 4711,
        status,
        createdAt,
        title: 'Checkout API returns 5xx: suspected attack on partner callbacks',
        service: { id: 'PCHECKOUT', summary: 'checkout' },
      }),
    );
    const res = await fetch(`${this.world.controllerUrl}/v1/webhooks/pagerduty`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-pagerduty-signature': signPagerDutyBody(body, this.world.secrets.pagerduty),
        'x-webhook-id': `W-${type}-${Date.now()}`,
      },
      body,
    });
    return res.status;
  }

  async run(): Promise<void> {
    const w = this.world;
    const p = this.ctx.palette;
    const out = (s: string) => this.ctx.io.stdout.write(s);
    out(
      `\n${p.bold('Friday afternoon at ACME')} — four security groups, an Auto Scaling group and a bucket's public access block managed by Terraform, auto-heal on.\n\n`,
    );

    // 1. Outside any incident, someone opens SSH to the world: reverted after settle, verified.
    await w.account.change(w.groups['web'].groupId, { authorize: [RULES.ssh] }, PRINCIPALS.attacker);
    const reverted = await this.drift('web', (d) => d.status === 'reverted');
    this.record(
      1,
      this.label('web'),
      Boolean(reverted && !this.has('web', RULES.ssh)),
      reverted ? `mallory opened tcp/22 to 0.0.0.0/0 → reverted after ${w.timings.settleSeconds}s settle, verified` : 'not reverted',
      reverted ? `rule ${reverted.decision.rule}: ${reverted.decision.reason}` : '',
      'the revert of tcp/22, verified',
    );

    // 2. A P1 incident opens in PagerDuty (webhook): frozen.
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    w.pagerduty.setIncidents([
      {
        id: 'Q4711P1',
        number: 4711,
        title: 'Checkout API returns 5xx: suspected attack on partner callbacks',
        priority: 'P1',
        service: { id: 'PCHECKOUT', name: 'checkout' },
        createdAt,
      },
    ]);
    const hook = await this.pagerDutyWebhook('incident.triggered', 'triggered', createdAt, 'Q4711P1');
    const freeze = await this.frozen(true);
    const incidentSource = freeze?.sources.find((s) => s.type === 'incident');
    this.record(
      2,
      'PagerDuty Q4711P1 (P1, checkout)',
      hook === 202 && Boolean(incidentSource),
      incidentSource ? 'P1 incident opened (signed webhook) → auto-heal frozen for team=checkout' : 'not frozen',
      incidentSource?.reason ?? '',
      'an incident freeze',
    );

    // 3. A break-glass engineer closes tcp/8080 to the world: emergency patch, backport PR.
    await w.account.change(w.groups['workers'].groupId, { revoke: [RULES.partner8080] }, PRINCIPALS.breakGlass);
    const backport = await this.drift('workers', (d) => d.status === 'backport_open' && Boolean(d.links.pullRequest));
    await new Promise((r) => setTimeout(r, (w.timings.settleSeconds + 1) * 1000));
    const stillClosed = !this.has('workers', RULES.partner8080);
    const pr = backport?.links.pullRequest;
    this.record(
      3,
      this.label('workers'),
      Boolean(backport && pr && stillClosed),
      backport
        ? `alice (break-glass) closed tcp/8080 to 0.0.0.0/0 → held, never re-opened; backport PR #${pr?.number} opened`
        : 'no backport',
      backport ? `rule ${backport.decision.rule}: ${backport.decision.reason}` : '',
      'a backport PR, port 8080 still closed',
    );

    // 4. Another change during the incident, one that opens a door: held, flagged suspicious.
    await w.account.change(w.groups['queue'].groupId, { authorize: [RULES.rabbitAdmin] }, PRINCIPALS.developer);
    const held = await this.drift('queue', (d) => d.status === 'held');
    this.record(
      4,
      this.label('queue'),
      Boolean(held && held.flags?.includes('suspicious')),
      held ? `bob opened tcp/15672 to 0.0.0.0/0 during the incident → held, flagged suspicious` : 'not held',
      held ? `rule ${held.decision.rule}: ${held.decision.reason}` : '',
      'a held, suspicious drift',
    );

    // 5. The on-call scales checkout from 4 to 12 instances during the incident: an emergency patch (capacity raised).
    await w.asg.scale(CHECKOUT_ASG.name, { minSize: 12, desiredCapacity: 12 }, PRINCIPALS.oncall);
    const scaled = await this.drift(w.checkoutArn, (d) => d.status === 'backport_open' && Boolean(d.links.pullRequest));
    const asgDiff = scaled
      ? execFileSync('git', ['--git-dir', w.github.gitDir, 'diff', `main...${backportBranch(w.checkoutArn)}`], { encoding: 'utf8' })
      : '';
    this.record(
      5,
      `${CHECKOUT_ASG.name} (Auto Scaling group)`,
      Boolean(scaled && /\+\s*min_size\s*= 12/.test(asgDiff) && w.asg.autoscaling.group(CHECKOUT_ASG.name).minSize === 12),
      scaled
        ? `dana scaled checkout from 4 to 12 instances → held, never scaled back; backport PR #${scaled.links.pullRequest?.number} raises min_size (desired_capacity is ignored by the code)`
        : 'no backport',
      scaled ? `rule ${scaled.decision.rule}: ${scaled.decision.reason}` : '',
      'a backport PR raising min_size to 12, the group still at 12',
    );

    // 6. Outside the freeze (team=payments), someone closes public HTTPS: reverting would re-open it.
    await w.account.change(w.groups['edge'].groupId, { revoke: [RULES.httpsPublic] }, PRINCIPALS.developer);
    const waiting = await this.drift('edge', (d) => d.status === 'awaiting_approval');
    const notified = waiting ? await this.notified(waiting.id) : false;
    this.record(
      6,
      this.label('edge'),
      Boolean(waiting && notified),
      waiting
        ? `bob closed tcp/443 to 0.0.0.0/0 → reverting would widen exposure: awaits approval (not approved here); on-call ${notified ? 'notified (signed webhook)' : 'NOT notified'}`
        : 'not awaiting approval',
      waiting ? `rule ${waiting.decision.rule}: ${waiting.decision.reason}` : '',
      'an approval wait, announced on the on-call webhook',
    );

    // 7. The incident resolves; after the cooldown the held drift is decided again.
    w.pagerduty.setIncidents([]);
    await this.pagerDutyWebhook('incident.resolved', 'resolved', createdAt, 'Q4711P1');
    const thawed = await this.frozen(false, 20_000);
    const released = await this.drift('queue', (d) => d.status === 'reverted', 30_000);
    this.record(
      7,
      this.label('queue'),
      Boolean(thawed && released && !this.has('queue', RULES.rabbitAdmin)),
      released ? `incident resolved → ${w.timings.cooldownSeconds}s cooldown → held drift re-evaluated and reverted` : 'not re-evaluated',
      released ? `rule ${released.decision.rule}: ${released.decision.reason}` : '',
      'the held drift reverted after the cooldown',
    );

    // 8. The backport PR is merged: the drift is resolved (code now matches live).
    if (pr?.number) {
      this.prBody = w.github.pullRequest(pr.number)?.body ?? '';
      this.prDiff = execFileSync(
        'git',
        ['--git-dir', w.github.gitDir, 'diff', `main...driftwarden/backport/${w.groups['workers'].groupId}`],
        { encoding: 'utf8' },
      );
      await w.github.mergePullRequest(pr.number, { deliver: true, by: 'carol' });
    }
    const merged = await this.drift('workers', (d) => d.status === 'backport_merged');
    this.record(
      8,
      this.label('workers'),
      Boolean(merged),
      merged ? `PR #${pr?.number} merged (webhook) → backport_merged: the code now matches the live fix` : 'not merged',
      'GitHub pull_request closed+merged',
      'backport_merged',
    );

    // After the freeze: someone turns off a bucket's public access block: reverted, verified.
    await w.account.setBucketBlock(BUCKET.name, null, PRINCIPALS.attacker);
    const locked = await this.bucketDrift((d) => d.status === 'reverted');
    this.record(
      this.results.length + 1,
      `${BUCKET.name} (S3 bucket)`,
      Boolean(locked?.evidence.afterState?.verified && JSON.stringify(w.account.bucketBlock(BUCKET.name)) === JSON.stringify(BUCKET.block)),
      locked ? `mallory turned off the public access block → turned back on (PutPublicAccessBlock), verified` : 'not reverted',
      locked ? `rule ${locked.decision.rule}: ${locked.decision.reason}` : '',
      'the public access block restored, verified',
    );
  }

  private async bucketDrift(where: (d: DriftRecord) => boolean, timeoutMs = 20_000): Promise<DriftRecord | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const res = await this.world.api<{ items: DriftRecord[] }>('GET', `/v1/drifts?resource=${BUCKET.name}&limit=20`);
      const found = res.body.items.find(where);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  summary(): void {
    const p = this.ctx.palette;
    const out = (s: string) => this.ctx.io.stdout.write(s);
    out(`\n${p.bold('Summary')}\n`);
    for (const r of this.results)
      out(
        `  ${r.ok ? p.green('ok  ') : p.red('FAIL')}  ${String(r.step).padEnd(2)} ${r.resource.padEnd(36)} ${r.happened.split(' → ').pop() ?? ''}\n`,
      );
    if (this.prDiff)
      out(
        `\n${p.bold('The backport PR')} (git diff main...driftwarden/backport/${this.world.groups['workers'].groupId}):\n\n${this.prDiff}\n`,
      );
  }

  writeReport(path: string): string {
    const full = resolve(path);
    const lines = [
      `# driftwarden demo report`,
      ``,
      `Generated ${new Date().toISOString()}. Every step ran against the real controller (enforce mode) with local stand-ins for AWS (EC2 sandbox), PagerDuty and GitHub.`,
      ``,
      `## Timeline`,
      ``,
      `| # | time | resource | what happened | why | ok |`,
      `| --- | --- | --- | --- | --- | --- |`,
      ...this.results.map(
        (r) =>
          `| ${r.step} | ${r.at} | ${r.resource} | ${r.happened} | ${r.why.replace(/\|/g, '\\|')} | ${r.ok ? 'yes' : `**no** (expected ${r.expected})`} |`,
      ),
      ``,
      `## The backport pull request`,
      ``,
      this.prBody || '(none)',
      ``,
      '```diff',
      this.prDiff.trim() || '(no diff)',
      '```',
      ``,
    ];
    writeFileSync(full, lines.join('\n'));
    return full;
  }

  get ok(): boolean {
    // Every step of the story ran (8 security-group, freeze and Auto Scaling steps, then the bucket's public access block).
    return this.results.length === 9 && this.results.every((r) => r.ok);
  }
}
