import { Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiError, RequireRole, roleSatisfies, type TokenRole } from '@driftwarden/auth';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig, type SlackConfig } from '@driftwarden/config';
import { formatDuration, parseDuration } from '@driftwarden/domain';
import { FreezeService, FreezeStore } from '@driftwarden/freeze';
import { Metrics } from '@driftwarden/observability';
import { JobProducer } from '@driftwarden/queue';
import {
  ACTION_IDS,
  COMMENT_BLOCK,
  CONFIRM_BLOCK,
  DECIDE_CALLBACK_ID,
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  decisionModal,
  parseSlackRequest,
  pendingDifferences,
  verifySlackRequest,
  type BlockActionsPayload,
  type Verb,
  type ViewSubmissionPayload,
} from '@driftwarden/slack';
import { ActiveLimitError, AuditLog, DriftStore } from '@driftwarden/store';
import { CLOCK } from '../core/tokens';
import { AcceptsForm } from '../http/body-parser.interceptor';
import { HumanDecisions } from '../http/approvals.controller';
import { freezeView } from '../http/freeze-view';
import type { ApiRequest } from '../http/request-context';
import { SlackNotifier } from './slack-notifier.service';

const VERB_OF: Record<string, Verb> = Object.fromEntries(Object.entries(ACTION_IDS).map(([verb, id]) => [id, verb as Verb]));

type SlackUser = { id: string; identity: string; role: TokenRole };

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * `POST /v1/slack/actions`: Slack's interactivity (the Approve / Adopt / Reject buttons and the
 * decision dialog) and the `/driftwarden` slash command. Authenticated by Slack's request
 * signature over the raw body (form-encoded), within five minutes; each Slack user is mapped to
 * an identity and a role by `notifications.slack.users` (anyone else is told, privately, that
 * they are not allowed). Decisions and freezes follow the API's rules (no self-approval, a
 * comment, confirmSuspicious, TTL limits) and are audited with the Slack user.
 */
@Controller('v1/slack')
export class SlackController {
  private readonly decisions: HumanDecisions;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(CLOCK) private readonly clock: () => Date,
    private readonly notifier: SlackNotifier,
    private readonly drifts: DriftStore,
    private readonly audit: AuditLog,
    private readonly freeze: FreezeService,
    private readonly freezes: FreezeStore,
    private readonly metrics: Metrics,
    producer: JobProducer,
  ) {
    this.decisions = new HumanDecisions(drifts, audit, producer, config, clock);
  }

  @Post('actions')
  @RequireRole('public')
  @AcceptsForm()
  @HttpCode(HttpStatus.OK)
  async actions(@Req() req: ApiRequest): Promise<unknown> {
    const slack = this.config.notifications.slack;
    if (!slack || !this.notifier.client)
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_configured', 'Slack is not configured (notifications.slack)');
    const raw = req.rawBody ?? Buffer.alloc(0);
    const verified = verifySlackRequest({
      signingSecret: slack.signingSecret,
      rawBody: raw,
      signature: header(req, SLACK_SIGNATURE_HEADER),
      timestamp: header(req, SLACK_TIMESTAMP_HEADER),
      nowMs: this.clock().getTime(),
    });
    if (!verified.ok) {
      this.metrics.webhooksRejected.inc({ provider: 'slack', reason: verified.reason });
      await this.refused(
        'slack',
        `request refused: ${verified.reason === 'stale' ? 'its timestamp is more than 5 minutes from now (a replay?)' : verified.reason === 'unsigned' ? 'not signed' : verified.reason === 'malformed' ? 'malformed signature headers' : 'the signature does not match the body'}`,
        { reason: verified.reason },
      );
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'bad_signature',
        'X-Slack-Signature does not match the body for the configured signing secret, or X-Slack-Request-Timestamp is more than 5 minutes from now',
      );
    }
    const parsed = parseSlackRequest(raw);
    if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed Slack request', parsed.problems);
    const r = parsed.request;
    if (r.kind === 'block_actions') return this.click(slack, r.payload);
    if (r.kind === 'view_submission') return this.submit(slack, r.payload);
    if (r.kind === 'command') return this.command(slack, r.userId, r.text);
    return {};
  }

  private user(slack: SlackConfig, id: string): SlackUser | null {
    const u = Object.prototype.hasOwnProperty.call(slack.users, id) ? slack.users[id] : undefined;
    return u ? { id, identity: u.identity, role: u.role } : null;
  }

  private async refused(actor: string, reason: string, details: Record<string, string>): Promise<void> {
    await this.audit.append({ at: this.clock().toISOString(), type: 'slack.refused', actor, reason, details });
  }

  /** The role check of a Slack user; null when allowed, else why not (said privately, and audited). */
  private async allowed(
    slack: SlackConfig,
    userId: string,
    need: TokenRole,
    what: string,
  ): Promise<{ user: SlackUser } | { refusal: string }> {
    const user = this.user(slack, userId);
    if (!user) {
      await this.refused(`slack:${userId}`, `${what}: this Slack user is not mapped to an identity (notifications.slack.users)`, {
        slackUser: userId,
        reason: 'unmapped',
      });
      return {
        refusal: `You are not allowed to ${what} with driftwarden: your Slack user (${userId}) is not in notifications.slack.users. Ask an admin to add you.`,
      };
    }
    if (!roleSatisfies(user.role, need)) {
      await this.refused(`slack:${userId}`, `${what}: role ${user.role}, needs ${need}`, {
        slackUser: userId,
        identity: user.identity,
        reason: 'role_too_low',
      });
      return { refusal: `You are not allowed to ${what}: it needs the ${need} role, and ${user.identity} has ${user.role}.` };
    }
    return { user };
  }

  /** A button: check who clicked, then open the decision dialog (a comment is required). */
  private async click(slack: SlackConfig, p: BlockActionsPayload): Promise<unknown> {
    const action = p.actions[0];
    const verb = VERB_OF[action.action_id];
    if (!verb || !action.value) return {};
    const channel = p.channel?.id ?? p.container?.channel_id ?? slack.channel;
    const ok = await this.allowed(slack, p.user.id, 'operator', `${verb} drifts`);
    if ('refusal' in ok) {
      await this.notifier.client!.postEphemeral(channel, p.user.id, ok.refusal);
      return {};
    }
    const d = /^drf_[A-Za-z0-9_]{1,64}$/.test(action.value) ? await this.drifts.get(action.value) : null;
    if (!d || !(d.status === 'awaiting_approval' || d.status === 'failed') || (d.differences && pendingDifferences(d).length === 0)) {
      await this.notifier.client!.postEphemeral(
        channel,
        p.user.id,
        d ? `${d.id} is ${d.status.replace(/_/g, ' ')}: nothing waits for a decision any more.` : `No drift ${action.value}.`,
      );
      return {};
    }
    await this.notifier.client!.openView(p.trigger_id, decisionModal(d, verb));
    return {};
  }

  /** The dialog submitted: decide with the API's rules; a refusal is shown in the dialog. */
  private async submit(slack: SlackConfig, p: ViewSubmissionPayload): Promise<unknown> {
    if (p.view.callback_id !== DECIDE_CALLBACK_ID) return {};
    let meta: { driftId?: unknown; verb?: unknown } = {};
    try {
      meta = JSON.parse(p.view.private_metadata ?? '{}') as typeof meta;
    } catch {
      /* checked below */
    }
    const verb = typeof meta.verb === 'string' && meta.verb in ACTION_IDS ? (meta.verb as Verb) : null;
    if (!verb || typeof meta.driftId !== 'string')
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'malformed decision dialog', [
        { path: 'payload.view.private_metadata', message: 'expected {driftId, verb}' },
      ]);
    const ok = await this.allowed(slack, p.user.id, 'operator', `${verb} drifts`);
    if ('refusal' in ok) return { response_action: 'errors', errors: { [COMMENT_BLOCK]: ok.refusal.slice(0, 2000) } };
    const values = p.view.state.values;
    const comment = String((values[COMMENT_BLOCK]?.[COMMENT_BLOCK] as { value?: unknown } | undefined)?.value ?? '').trim();
    const confirm =
      ((values[CONFIRM_BLOCK]?.[CONFIRM_BLOCK] as { selected_options?: unknown[] } | undefined)?.selected_options ?? []).length > 0;
    if (!comment) return { response_action: 'errors', errors: { [COMMENT_BLOCK]: 'A comment is required: say why.' } };
    try {
      await this.decisions.decide(
        verb,
        meta.driftId,
        { comment: comment.slice(0, 2000), ...(confirm ? { confirmSuspicious: true } : {}) },
        {
          actor: `slack:${ok.user.id}`,
          identity: ok.user.identity,
          correlationId: `slack-${ok.user.id}-${this.clock().getTime()}`,
          details: { via: 'slack', slackUser: ok.user.id },
        },
      );
    } catch (e) {
      if (e instanceof ApiError)
        return {
          response_action: 'errors',
          errors: {
            [e.code === 'confirmation_required' && values[CONFIRM_BLOCK] ? CONFIRM_BLOCK : COMMENT_BLOCK]: apiMessage(e).slice(0, 2000),
          },
        };
      throw e;
    }
    // Closes the dialog; the channel message is updated by the notifications follower (as for an API decision).
    return {};
  }

  /** `/driftwarden freeze on <ttl> <reason>` · `freeze off [id]` · `freeze status`. */
  private async command(slack: SlackConfig, userId: string, text: string): Promise<unknown> {
    const reply = (t: string, inChannel = false) => ({ response_type: inChannel ? 'in_channel' : 'ephemeral', text: t });
    const words = text.trim().split(/\s+/).filter(Boolean);
    const usage =
      'Usage: `/driftwarden freeze on <ttl> <reason>` (e.g. `freeze on 2h database migration`), `/driftwarden freeze off [id]`, `/driftwarden freeze status`.';
    if (words[0] !== 'freeze' || !['on', 'off', 'status'].includes(words[1] ?? '')) return reply(usage);
    const sub = words[1];
    const ok = await this.allowed(
      slack,
      userId,
      sub === 'status' ? 'viewer' : 'operator',
      sub === 'status' ? 'read the freeze' : `turn the freeze ${sub}`,
    );
    if ('refusal' in ok) return reply(ok.refusal);
    const actor = `slack:${ok.user.id}`;
    const now = this.clock();
    if (sub === 'status') {
      this.freeze.invalidate();
      const view = freezeView(await this.freeze.state(), this.config, now);
      if (!view.frozen) return reply(':white_check_mark: Not frozen: auto-heal is on.');
      return reply(
        `:snowflake: *FROZEN*: auto-heal is paused.\n${view.sources.map((s) => `• ${s.type} \`${s.id}\`: ${s.reason}${s.until ? ` (until ${s.until})` : ''}`).join('\n')}`,
      );
    }
    if (sub === 'on') {
      const [ttl, ...reasonWords] = words.slice(2);
      const reason = reasonWords.join(' ').trim();
      let ttlMs: number;
      try {
        ttlMs = ttl ? parseDuration(ttl) : 0;
      } catch {
        ttlMs = 0;
      }
      if (!ttl || !reason) return reply(`A TTL and a reason are required. ${usage}`);
      if (ttlMs <= 0 || ttlMs > this.config.freeze.maxTtlMs)
        return reply(
          `The TTL must be a duration such as 90s, 30m, 2h or 1d, at most ${this.config.freeze.maxTtl} (freeze.maxTtl); got "${ttl}".`,
        );
      if (reason.length > 500) return reply('The reason is longer than 500 characters.');
      try {
        const f = await this.freezes.createManual({ reason, ttlMs, actor, now, maxActive: this.config.freeze.maxActive });
        this.freeze.invalidate();
        return reply(
          `:snowflake: Auto-heal frozen by ${ok.user.identity} for ${formatDuration(ttlMs)}: ${reason} (\`${f.id}\`, until ${f.until}).`,
          true,
        );
      } catch (e) {
        if (e instanceof ActiveLimitError)
          return reply(`${e.active} manual freezes are active, the most freeze.maxActive allows (${e.max}): lift one first.`);
        throw e;
      }
    }
    // off
    let id = words[2];
    if (!id) {
      this.freeze.invalidate();
      const manual = freezeView(await this.freeze.state(), this.config, now).sources.filter((s) => s.type === 'manual');
      if (manual.length !== 1)
        return reply(
          manual.length === 0
            ? 'No manual freeze is active (incident, window and unknown freezes end on their own).'
            : `Several manual freezes are active; say which: ${manual.map((s) => `\`${s.id}\` (${s.reason})`).join(', ')}.`,
        );
      id = manual[0].id;
    }
    if (!/^frz_[a-z0-9]{1,40}$/.test(id))
      return reply(`\`${id.slice(0, 60)}\` is not a manual freeze id (frz_…): incident, window and unknown freezes cannot be lifted here.`);
    const lifted = await this.freezes.liftManual(id, actor, now);
    if (!lifted) return reply(`No manual freeze \`${id}\`.`);
    this.freeze.invalidate();
    return reply(`:white_check_mark: Manual freeze \`${id}\` (${lifted.reason}) lifted by ${ok.user.identity}.`, true);
  }
}

/** The human message of an ApiError (its body's `error.message`). */
function apiMessage(e: ApiError): string {
  const body = e.getResponse() as { error?: { message?: string } };
  return body.error?.message ?? e.message;
}
