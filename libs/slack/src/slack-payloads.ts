/**
 * What Slack posts to the interactivity endpoint, read strictly: an interaction is a form with a
 * `payload` field holding JSON (a `block_actions` click or a `view_submission` of the decision
 * dialog); a slash command is a plain form (`command`, `text`, `user_id`, …).
 */
import { z } from 'zod';

const user = z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() });

const blockActions = z.object({
  type: z.literal('block_actions'),
  user,
  trigger_id: z.string().min(1),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), block_id: z.string().optional() })).min(1),
});

const viewSubmission = z.object({
  type: z.literal('view_submission'),
  user,
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  }),
});

export type BlockActionsPayload = z.infer<typeof blockActions>;
export type ViewSubmissionPayload = z.infer<typeof viewSubmission>;

export type SlackRequest =
  | { kind: 'block_actions'; payload: BlockActionsPayload }
  | { kind: 'view_submission'; payload: ViewSubmissionPayload }
  | { kind: 'command'; command: string; text: string; userId: string; channelId?: string; responseUrl?: string }
  | { kind: 'other'; type: string };

export type ParsedSlackRequest = { ok: true; request: SlackRequest } | { ok: false; problems: { path: string; message: string }[] };

/** Reads a verified form body. */
export function parseSlackRequest(rawBody: Buffer): ParsedSlackRequest {
  const form = new URLSearchParams(rawBody.toString('utf8'));
  const payload = form.get('payload');
  if (payload !== null) {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch (e) {
      return { ok: false, problems: [{ path: 'payload', message: `not JSON: ${e instanceof Error ? e.message : String(e)}` }] };
    }
    const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
    const schema = type === 'block_actions' ? blockActions : type === 'view_submission' ? viewSubmission : null;
    if (!schema) return { ok: true, request: { kind: 'other', type: String(type) } };
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      return { ok: false, problems: parsed.error.issues.map((i) => ({ path: ['payload', ...i.path].join('.'), message: i.message })) };
    return {
      ok: true,
      request:
        type === 'block_actions'
          ? { kind: 'block_actions', payload: parsed.data as BlockActionsPayload }
          : { kind: 'view_submission', payload: parsed.data as ViewSubmissionPayload },
    };
  }
  const command = form.get('command');
  const userId = form.get('user_id');
  if (command !== null && userId) {
    return {
      ok: true,
      request: {
        kind: 'command',
        command,
        text: form.get('text') ?? '',
        userId,
        ...(form.get('channel_id') ? { channelId: form.get('channel_id')! } : {}),
        ...(form.get('response_url') ? { responseUrl: form.get('response_url')! } : {}),
      },
    };
  }
  return {
    ok: false,
    problems: [{ path: '', message: 'expected a form with "payload" (an interaction) or "command" and "user_id" (a slash command)' }],
  };
}
