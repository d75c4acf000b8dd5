/**
 * The drift record, summarised in a hidden line of every backport PR and issue body, so that the
 * controller can rebuild its open backports from GitHub after losing Redis (DESIGN §9: GitHub
 * PRs are a source of truth). Base64url JSON inside an HTML comment: renders as nothing, and
 * cannot close the comment early.
 *
 * A body is editable by anyone with write access to the repository, so what is read back is
 * validated strictly (shape, lengths, id patterns) and only ever recreates a `backport_open`
 * record, which merely links a resource to its PR or issue.
 */
import { z } from 'zod';
import type { DriftRecord, IncidentRef } from '@driftwarden/domain';

const PREFIX = '<!-- driftwarden:record=';
const SUFFIX = ' -->';
const MAX_ENCODED = 8_000;

const text = (max: number) => z.string().min(1).max(max);

const summarySchema = z
  .object({
    v: z.literal(1),
    id: z.string().regex(/^drf_[a-z0-9_]{4,64}$/),
    resource: z
      .object({
        type: text(100).regex(/^[A-Za-z0-9:]+$/),
        kind: text(64)
          .regex(/^[a-z0-9-]+$/)
          .optional(),
        id: text(256),
        account: z.string().regex(/^\d{12}$/),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
        address: text(1000).optional(),
        stack: text(200).optional(),
      })
      .strict(),
    decision: z
      .object({
        action: z.literal('backport'),
        rule: z.number().int().min(1).max(6),
        reason: text(1000),
      })
      .strict(),
    principal: z
      .object({
        arn: z.string().max(2048).nullable(),
        class: z.enum(['iac', 'breakGlass', 'self', 'other', 'unknown']),
        session: text(256).optional(),
      })
      .strict(),
    changedAt: z.iso.datetime({ offset: true }),
    detectedAt: z.iso.datetime({ offset: true }),
    incident: z
      .object({
        provider: z.union([
          z.enum(['pagerduty', 'opsgenie', 'jsm', 'incidentio']),
          z.custom<`webhook.${string}`>((v) => typeof v === 'string' && /^webhook\.[a-z0-9][a-z0-9-]{0,62}$/.test(v)),
        ]),
        id: text(200),
        number: z.number().int().optional(),
        title: z.string().max(1000),
        // Anyone who can edit the PR body can edit this: only an https link is taken back.
        url: z
          .string()
          .max(2048)
          .regex(/^https:\/\/[^\s]+$/, 'expected an https URL')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RecordSummary = z.infer<typeof summarySchema>;

/**
 * The hidden line for a drift's PR or issue body; `incident`: the one the change was made during,
 * if any. Free text is shortened to what `readRecordMarker` accepts (a marker it would refuse
 * could not be recovered, and that would only show after Redis was lost); if the whole is still
 * too long (multi-byte text), the texts are shortened further.
 */
export function recordMarker(
  drift: DriftRecord,
  incident: (Pick<IncidentRef, 'provider' | 'id' | 'number' | 'title'> & { url?: string }) | null,
): string {
  for (const textLimit of [1000, 200, 40]) {
    const encoded = Buffer.from(JSON.stringify(summaryOf(drift, incident, textLimit)), 'utf8').toString('base64url');
    if (encoded.length <= MAX_ENCODED) return `${PREFIX}${encoded}${SUFFIX}`;
  }
  throw new Error(`the record summary of ${drift.id} does not fit in ${MAX_ENCODED} characters`);
}

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function summaryOf(drift: DriftRecord, incident: Parameters<typeof recordMarker>[1], textLimit: number): RecordSummary {
  return {
    v: 1,
    id: drift.id,
    resource: {
      type: drift.resource.type,
      ...(drift.resource.kind ? { kind: drift.resource.kind } : {}),
      id: drift.resource.id,
      account: drift.resource.account,
      region: drift.resource.region,
      ...(drift.resource.address ? { address: clip(drift.resource.address, 1000) } : {}),
      ...(drift.resource.stack ? { stack: clip(drift.resource.stack, 200) } : {}),
    },
    decision: { action: 'backport', rule: drift.decision.rule ?? 3, reason: clip(drift.decision.reason, textLimit) },
    principal: {
      arn: drift.principal.arn === null ? null : clip(drift.principal.arn, 2048),
      class: drift.principal.class,
      ...(drift.principal.session ? { session: clip(drift.principal.session, 256) } : {}),
    },
    changedAt: drift.changedAt,
    detectedAt: drift.detectedAt,
    ...(incident
      ? {
          incident: {
            provider: incident.provider,
            id: incident.id,
            ...(incident.number !== undefined ? { number: incident.number } : {}),
            title: clip(incident.title, textLimit),
            ...(incident.url && /^https:\/\/[^\s]+$/.test(incident.url) && incident.url.length <= 2048 ? { url: incident.url } : {}),
          },
        }
      : {}),
  };
}

/** The summary in a body: `null` when there is none, a problem when it is not a valid one. */
export function readRecordMarker(body: string): { ok: true; summary: RecordSummary } | { ok: false; problem: string } | null {
  const start = body.lastIndexOf(PREFIX);
  if (start < 0) return null;
  const end = body.indexOf(SUFFIX, start + PREFIX.length);
  const encoded = end < 0 ? '' : body.slice(start + PREFIX.length, end);
  if (encoded === '' || encoded.length > MAX_ENCODED || !/^[A-Za-z0-9_-]+$/.test(encoded))
    return { ok: false, problem: 'the record marker is not base64url text of a sane length' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'the record marker is not JSON' };
  }
  const parsed = summarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `the record marker is not a drift summary: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, summary: parsed.data };
}
