/**
 * driftwarden's Slack messages as Block Kit, in plain English: the approval request (the
 * differences, who made each, and Approve / Adopt / Reject), the same message once decided (the
 * outcome and who decided, no buttons), and the decision dialog (a required comment; adopting a
 * suspicious difference needs its own tick). Pure: data in, Block Kit out, within Slack's limits.
 */
import { sessionNameOf, type DriftRecord } from '@driftwarden/domain';

export type Block = Record<string, unknown>;
export type Verb = 'approve' | 'adopt' | 'reject';

export const ACTION_IDS: Record<Verb, string> = { approve: 'dw_approve', adopt: 'dw_adopt', reject: 'dw_reject' };
export const DECIDE_CALLBACK_ID = 'dw_decide';
export const COMMENT_BLOCK = 'comment';
export const CONFIRM_BLOCK = 'confirm_suspicious';

/** Slack's own escaping for mrkdwn text: &, < and > only. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const plain = (text: string, max = 75) => ({ type: 'plain_text', text: cut(text, max), emoji: false });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: cut(text, 3000) });

/** The human behind the change: the assumed role's session name, else the ARN. */
function who(p: { arn: string | null; session?: string }): string {
  const session = p.session ?? (p.arn ? sessionNameOf(p.arn) : undefined);
  return session ? `${session}${p.arn ? ` (${p.arn})` : ''}` : (p.arn ?? 'an unknown principal');
}

/** The differences a human decides on (awaiting approval, or an approved revert not yet used). */
export function pendingDifferences(d: DriftRecord): NonNullable<DriftRecord['differences']> {
  return (d.differences ?? []).filter(
    (x) =>
      x.decision.action === 'await_approval' ||
      (x.decision.action === 'revert' && (x.decision.human?.verb === 'approve' || d.status === 'failed')),
  );
}

function summaryBlocks(d: DriftRecord, links: { console?: string }): Block[] {
  const r = d.resource;
  const diffs = d.differences?.length
    ? d.differences
        .slice(0, 10)
        .map(
          (x) =>
            `• ${escapeSlack(x.sentence)}${x.flags?.includes('suspicious') ? ' — :warning: *suspicious*' : ''}\n    made by ${escapeSlack(who(x.madeBy.principal))}; ${escapeSlack(x.decision.action.replace('_', ' '))}`,
        )
        .join('\n') + (d.differences.length > 10 ? `\n…and ${d.differences.length - 10} more` : '')
    : escapeSlack(d.decision.reason);
  return [
    {
      type: 'section',
      fields: [
        mrkdwn(
          `*Resource*\n\`${escapeSlack(r.id)}\`${r.address ? ` (${escapeSlack(r.address)})` : ''}\n${escapeSlack(r.account)} · ${escapeSlack(r.region)}`,
        ),
        mrkdwn(`*Decision*\n${d.decision.rule ? `rule ${d.decision.rule}: ` : ''}${escapeSlack(d.decision.reason)}`),
      ],
    },
    { type: 'section', text: mrkdwn(`*Differences*\n${diffs}`) },
    {
      type: 'context',
      elements: [
        mrkdwn(
          `${escapeSlack(d.id)}${links.console ? ` · <${links.console}|open in the console>` : ''}${d.flags?.length ? ` · flags: ${d.flags.join(', ')}` : ''}`,
        ),
      ],
    },
  ];
}

/** An approval request (rule 5) or a notice (suspicious, overdue, …): with buttons when a human can decide now. */
export function requestMessage(
  d: DriftRecord,
  titles: string[],
  opts: { console?: string; decidable: boolean },
): { text: string; blocks: Block[] } {
  const title = titles[0] ?? 'driftwarden';
  const blocks: Block[] = [
    { type: 'header', text: plain(title, 150) },
    ...titles.slice(1).map((t) => ({ type: 'section', text: mrkdwn(escapeSlack(t)) })),
    ...summaryBlocks(d, { console: opts.console }),
  ];
  if (opts.decidable) {
    blocks.push({
      type: 'actions',
      block_id: 'dw_decide',
      elements: [
        { type: 'button', action_id: ACTION_IDS.approve, text: plain('Approve (revert)'), style: 'primary', value: d.id },
        { type: 'button', action_id: ACTION_IDS.adopt, text: plain('Adopt (backport)'), value: d.id },
        { type: 'button', action_id: ACTION_IDS.reject, text: plain('Reject (leave)'), style: 'danger', value: d.id },
      ],
    });
  }
  return { text: cut(titles.join(' — '), 3000), blocks };
}

const DONE: Record<Verb, string> = {
  approve: ':white_check_mark: Approved: the revert runs (fenced by any freeze)',
  adopt: ':inbox_tray: Adopted: a backport pull request keeps the change',
  reject: ':no_entry_sign: Rejected: the change is left as it is',
};

/** The message once a human decided (here, in the API, the CLI or the console): outcome and who, no buttons. */
export function decidedMessage(
  d: DriftRecord,
  decision: { verb: Verb; by: string; comment: string; at: string },
  opts: { console?: string },
): { text: string; blocks: Block[] } {
  const line = `${DONE[decision.verb]} by ${escapeSlack(decision.by)} at ${decision.at.slice(0, 16).replace('T', ' ')} UTC: “${escapeSlack(decision.comment)}”`;
  return {
    text: cut(`${d.resource.id}: ${decision.verb} by ${decision.by}`, 3000),
    blocks: [
      { type: 'header', text: plain(`Decided: ${d.resource.id}`, 150) },
      ...summaryBlocks(d, opts),
      { type: 'section', text: mrkdwn(line) },
    ],
  };
}

const TITLES: Record<Verb, string> = { approve: 'Approve the revert', adopt: 'Adopt the change', reject: 'Reject the revert' };
const SUBMITS: Record<Verb, string> = { approve: 'Approve', adopt: 'Adopt', reject: 'Reject' };

/** The dialog a button opens: what is decided, a required comment, and the suspicious tick for adopt. */
export function decisionModal(d: DriftRecord, verb: Verb): Block {
  const pending = pendingDifferences(d);
  const suspicious = pending.filter((x) => x.flags?.includes('suspicious'));
  const blocks: Block[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*${escapeSlack(d.resource.id)}* (${escapeSlack(d.resource.account)}, ${escapeSlack(d.resource.region)})\n${(pending.length ? pending : (d.differences ?? [])).map((x) => `• ${escapeSlack(x.sentence)}`).join('\n') || escapeSlack(d.decision.reason)}`,
      ),
    },
    {
      type: 'input',
      block_id: COMMENT_BLOCK,
      label: plain('Comment (why)', 2000),
      element: { type: 'plain_text_input', action_id: COMMENT_BLOCK, multiline: true, max_length: 2000 },
    },
  ];
  if (verb === 'adopt' && suspicious.length) {
    blocks.splice(1, 0, {
      type: 'section',
      text: mrkdwn(
        `:warning: *Suspicious*: ${suspicious.map((x) => escapeSlack(x.sentence)).join('; ')}. It widened exposure during a freeze and was not made by a break-glass principal: adopting keeps it.`,
      ),
    });
    blocks.push({
      type: 'input',
      block_id: CONFIRM_BLOCK,
      label: plain('Confirm', 2000),
      element: {
        type: 'checkboxes',
        action_id: CONFIRM_BLOCK,
        options: [{ text: plain('I confirm keeping the suspicious change', 75), value: 'yes' }],
      },
    });
  }
  return {
    type: 'modal',
    callback_id: DECIDE_CALLBACK_ID,
    private_metadata: JSON.stringify({ driftId: d.id, verb }),
    title: plain(TITLES[verb], 24),
    submit: plain(SUBMITS[verb], 24),
    close: plain('Cancel', 24),
    blocks,
  };
}
