/**
 * A fake of the Slack Web API on a real HTTP socket, for the tests and the demo: chat.postMessage,
 * chat.update, chat.postEphemeral and views.open, as `@slack/web-api` calls them (a form body
 * whose structured fields are JSON, `Authorization: Bearer xoxb-…`). Every call is checked the way
 * Slack checks it (the token, the required arguments, Block Kit's shapes and limits) and answered
 * as Slack answers (`{ok: true, …}` or `{ok: false, error}`); problems are kept for the test to
 * assert on. Also builds what Slack sends to an app: interactions and slash commands, signed the
 * way Slack signs them.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackFakeMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  /** Every earlier version (chat.update). */
  history: { text: string; blocks: Record<string, unknown>[] }[];
}

export interface SlackFakeCall {
  method: string;
  args: Record<string, unknown>;
  problems: string[];
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

const BLOCK_TYPES = new Set(['section', 'actions', 'context', 'header', 'divider', 'input', 'image', 'rich_text']);

export class SlackFake {
  readonly calls: SlackFakeCall[] = [];
  readonly messages: SlackFakeMessage[] = [];
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  readonly views: Record<string, unknown>[] = [];
  private server: Server | null = null;
  private base = '';
  private seq = 0;
  private failures: Answer[] = [];

  constructor(readonly token = 'xoxb-fake-bot-token') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** The Web API base URL (`notifications.slack.apiUrl`). */
  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** The next call(s) are answered with this (e.g. `{status: 429, headers: {'retry-after': '3'}}` or `{status: 200, body: {ok: false, error: 'channel_not_found'}}`). */
  failNext(answer: Answer, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(answer);
  }

  /** Calls whose arguments Slack would have refused. */
  get problems(): string[] {
    return this.calls.flatMap((c) => c.problems.map((p) => `${c.method}: ${p}`));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const type = String(req.headers['content-type'] ?? '');
    const args: Record<string, unknown> = {};
    if (type.startsWith('application/json')) Object.assign(args, JSON.parse(raw || '{}'));
    else for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
    const problems: string[] = [];
    const call: SlackFakeCall = { method, args, problems };
    this.calls.push(call);
    const forced = this.failures.shift();
    const answer = forced ?? this.answer(method, args, String(req.headers['authorization'] ?? ''), problems);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...(answer.headers ?? {}) });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  private answer(method: string, args: Record<string, unknown>, auth: string, problems: string[]): Answer {
    const fail = (error: string, extra: Record<string, unknown> = {}): Answer => {
      problems.push(error);
      return { status: 200, body: { ok: false, error, ...extra } };
    };
    if (!auth) return fail('not_authed');
    if (auth !== `Bearer ${this.token}`) return fail('invalid_auth');
    const json = (name: string): unknown => {
      const v = args[name];
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v);
      } catch {
        problems.push(`${name} is not JSON`);
        return undefined;
      }
    };
    switch (method) {
      case 'chat.postMessage':
      case 'chat.update': {
        if (typeof args.channel !== 'string' || !args.channel) return fail('channel_not_found');
        const blocks = args.blocks === undefined ? [] : json('blocks');
        const blockProblems = checkBlocks(blocks, 'message');
        if (blockProblems.length) return fail('invalid_blocks', { errors: blockProblems });
        if (typeof args.text !== 'string' || !args.text)
          problems.push('text: give a plain-text fallback (notifications and screen readers use it)');
        if (method === 'chat.postMessage') {
          const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
          const m: SlackFakeMessage = {
            channel: args.channel,
            ts,
            text: String(args.text ?? ''),
            blocks: blocks as Record<string, unknown>[],
            history: [],
          };
          this.messages.push(m);
          return {
            status: 200,
            body: { ok: true, channel: m.channel, ts, message: { type: 'message', text: m.text, ts, blocks: m.blocks } },
          };
        }
        const m = this.messages.find((x) => x.channel === args.channel && x.ts === args.ts);
        if (!m) return fail('message_not_found');
        m.history.push({ text: m.text, blocks: m.blocks });
        m.text = String(args.text ?? '');
        m.blocks = blocks as Record<string, unknown>[];
        return { status: 200, body: { ok: true, channel: m.channel, ts: m.ts, text: m.text, message: { text: m.text, blocks: m.blocks } } };
      }
      case 'chat.postEphemeral': {
        if (typeof args.channel !== 'string' || !args.channel) return fail('channel_not_found');
        if (typeof args.user !== 'string' || !/^[UW][A-Z0-9]+$/.test(args.user)) return fail('user_not_in_channel');
        if (typeof args.text !== 'string' || !args.text) return fail('no_text');
        this.ephemerals.push({ channel: args.channel, user: args.user, text: args.text });
        return { status: 200, body: { ok: true, message_ts: `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}` } };
      }
      case 'views.open': {
        if (typeof args.trigger_id !== 'string' || !args.trigger_id) return fail('invalid_arguments');
        const view = json('view') as Record<string, unknown> | undefined;
        const viewProblems = checkView(view);
        if (viewProblems.length) return fail('invalid_arguments', { response_metadata: { messages: viewProblems } });
        this.views.push(view!);
        return { status: 200, body: { ok: true, view: { id: `V${++this.seq}`, ...view } } };
      }
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  }
}

function plainText(v: unknown, max: number, at: string, out: string[]): void {
  const t = v as { type?: unknown; text?: unknown } | undefined;
  if (!t || t.type !== 'plain_text' || typeof t.text !== 'string' || t.text.length === 0) out.push(`${at}: expected a plain_text object`);
  else if (t.text.length > max) out.push(`${at}: longer than ${max} characters`);
}

function textObject(v: unknown, max: number, at: string, out: string[]): void {
  const t = v as { type?: unknown; text?: unknown } | undefined;
  if (!t || (t.type !== 'plain_text' && t.type !== 'mrkdwn') || typeof t.text !== 'string' || t.text.length === 0)
    out.push(`${at}: expected a text object`);
  else if (t.text.length > max) out.push(`${at}: longer than ${max} characters`);
}

/** Block Kit's shapes and limits for the blocks driftwarden uses. */
export function checkBlocks(blocks: unknown, surface: 'message' | 'modal'): string[] {
  const out: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks: expected an array'];
  if (blocks.length > (surface === 'message' ? 50 : 100)) out.push('blocks: too many');
  const actionIds = new Set<string>();
  blocks.forEach((b: Record<string, unknown>, i) => {
    const at = `blocks[${i}]`;
    if (!b || typeof b !== 'object' || !BLOCK_TYPES.has(String(b.type)))
      return void out.push(`${at}: unknown block type ${String(b?.type)}`);
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255))
      out.push(`${at}.block_id: at most 255 characters`);
    switch (b.type) {
      case 'header':
        plainText(b.text, 150, `${at}.text`, out);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) out.push(`${at}: needs text or fields`);
        if (b.text !== undefined) textObject(b.text, 3000, `${at}.text`, out);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) out.push(`${at}.fields: at most 10`);
          else b.fields.forEach((f, j) => textObject(f, 2000, `${at}.fields[${j}]`, out));
        }
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) out.push(`${at}.elements: 1 to 10`);
        else b.elements.forEach((e, j) => textObject(e, 3000, `${at}.elements[${j}]`, out));
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) out.push(`${at}.elements: 1 to 25`);
        else
          b.elements.forEach((e: Record<string, unknown>, j) => {
            const eat = `${at}.elements[${j}]`;
            if (e.type !== 'button') return void out.push(`${eat}: only buttons are expected here`);
            plainText(e.text, 75, `${eat}.text`, out);
            if (typeof e.action_id !== 'string' || e.action_id.length === 0 || e.action_id.length > 255)
              out.push(`${eat}.action_id: 1 to 255 characters`);
            else if (actionIds.has(e.action_id)) out.push(`${eat}.action_id: not unique`);
            else actionIds.add(e.action_id);
            if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > 2000))
              out.push(`${eat}.value: at most 2000 characters`);
            if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') out.push(`${eat}.style: primary or danger`);
          });
        break;
      case 'input': {
        if (surface !== 'modal') out.push(`${at}: input blocks belong in modals`);
        plainText(b.label, 2000, `${at}.label`, out);
        const e = b.element as Record<string, unknown> | undefined;
        if (!e || !['plain_text_input', 'checkboxes', 'static_select'].includes(String(e.type))) out.push(`${at}.element: unsupported`);
        else if (typeof e.action_id !== 'string') out.push(`${at}.element.action_id: required`);
        if (e?.type === 'checkboxes' && (!Array.isArray(e.options) || e.options.length === 0 || e.options.length > 10))
          out.push(`${at}.element.options: 1 to 10`);
        break;
      }
      default:
        break;
    }
  });
  return out;
}

export function checkView(view: Record<string, unknown> | undefined): string[] {
  if (!view) return ['view: required'];
  const out: string[] = [];
  if (view.type !== 'modal') out.push('view.type: modal expected');
  plainText(view.title, 24, 'view.title', out);
  if (view.submit !== undefined) plainText(view.submit, 24, 'view.submit', out);
  if (view.close !== undefined) plainText(view.close, 24, 'view.close', out);
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
    out.push('view.private_metadata: at most 3000 characters');
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255) out.push('view.callback_id: at most 255 characters');
  out.push(...checkBlocks(view.blocks, 'modal').map((p) => `view.${p}`));
  return out;
}

// ---------------------------------------------------------------------------------------------
// What Slack sends to the app
// ---------------------------------------------------------------------------------------------

/** Signs a body as Slack does (HMAC-SHA256 over `v0:<timestamp>:<body>` with the signing secret). */
export function slackHeaders(
  signingSecret: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': signature,
  };
}

/** An interaction body: `payload=<JSON>`, form-encoded. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function buttonClick(o: { user: string; actionId: string; value: string; channel: string; ts: string }): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: o.user, username: o.user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0FAKE',
    token: 'legacy-verification-token-unused',
    trigger_id: `trig.${o.user}.${Date.now()}`,
    team: { id: 'T0FAKE', domain: 'acme' },
    container: { type: 'message', message_ts: o.ts, channel_id: o.channel, is_ephemeral: false },
    channel: { id: o.channel, name: 'oncall' },
    response_url: 'https://hooks.slack.example/actions/T0FAKE/1/x',
    actions: [{ type: 'button', action_id: o.actionId, block_id: 'dw_decide', value: o.value, action_ts: String(Date.now() / 1000) }],
  };
}

/** The decision dialog submitted: `values` as Slack reports them. */
export function viewSubmission(o: {
  user: string;
  view: Record<string, unknown>;
  comment: string;
  confirm?: boolean;
}): Record<string, unknown> {
  const values: Record<string, Record<string, unknown>> = { comment: { comment: { type: 'plain_text_input', value: o.comment } } };
  if (o.confirm !== undefined)
    values['confirm_suspicious'] = {
      confirm_suspicious: {
        type: 'checkboxes',
        selected_options: o.confirm
          ? [{ value: 'yes', text: { type: 'plain_text', text: 'I confirm keeping the suspicious change' } }]
          : [],
      },
    };
  return {
    type: 'view_submission',
    user: { id: o.user, username: o.user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0FAKE',
    team: { id: 'T0FAKE', domain: 'acme' },
    view: {
      id: 'V0FAKE',
      type: 'modal',
      callback_id: o.view['callback_id'],
      private_metadata: o.view['private_metadata'],
      state: { values },
    },
  };
}

export function slashCommandBody(o: { user: string; text: string; channel?: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token-unused',
    team_id: 'T0FAKE',
    team_domain: 'acme',
    channel_id: o.channel ?? 'C0ONCALL',
    channel_name: 'oncall',
    user_id: o.user,
    user_name: o.user.toLowerCase(),
    command: '/driftwarden',
    text: o.text,
    api_app_id: 'A0FAKE',
    response_url: 'https://hooks.slack.example/commands/T0FAKE/1/x',
    trigger_id: `trig.${o.user}.${Date.now()}`,
  }).toString();
}
