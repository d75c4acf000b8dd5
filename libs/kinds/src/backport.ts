/**
 * The backport part of the seam (DESIGN §6): what the generic GitHub adapter (libs/backport)
 * asks a kind's editor, and the kind-neutral pieces of a PR or issue text (incident, context,
 * the differences left out and why, the widening banner).
 */
import type { DriftDifference, DriftRecord, FreezeSourceSnapshot } from '@driftwarden/domain';

/**
 * The part of a drift a backport is about: only the differences decided `backport` (emergency
 * patches, or adopted by a human); `record` shows the principal, decision and time of the newest
 * of them. `leftOut`: every other difference, which the PR body lists with the reason. A record
 * without differences (written before they existed, or rebuilt from GitHub) is backported whole
 * (`codified` empty, `whole` true).
 */
export interface BackportSubject {
  record: DriftRecord;
  codified: DriftDifference[];
  leftOut: DriftDifference[];
  whole: boolean;
}

export function backportSubject(drift: DriftRecord): BackportSubject {
  if (!drift.differences) return { record: drift, codified: [], leftOut: [], whole: true };
  const codified = drift.differences.filter((d) => d.decision.action === 'backport');
  const leftOut = drift.differences.filter((d) => d.decision.action !== 'backport');
  const newest = [...codified].sort((a, b) => Date.parse(b.madeBy.at) - Date.parse(a.madeBy.at))[0];
  const record: DriftRecord = newest
    ? {
        ...drift,
        decision: { action: 'backport', rule: newest.decision.rule ?? 3, reason: newest.decision.reason },
        principal: newest.madeBy.principal,
        changedAt: newest.madeBy.at,
        evidence: { ...drift.evidence, ...(newest.madeBy.cloudTrailEventId ? { cloudTrailEventId: newest.madeBy.cloudTrailEventId } : {}) },
      }
    : drift;
  return { record, codified, leftOut, whole: false };
}

/** Where the code that declares a resource is (libs/backport's locateCode finds it). */
export interface CodeLocation {
  /** Repository path of the `.tf` file that declares the block. */
  path: string;
  /** The block's type and name inside its module. */
  target: { type: string; name: string };
  /** The file's text on the base branch. */
  text: string;
  /** Resource names declared in the module's other files (avoid them when naming new blocks). */
  reservedNames: string[];
}

export type Unsafe = { unsafe: string };

/** How a kind codifies a backport's differences in one file. */
export interface EditPlan {
  /** Edits any version of the file (the base, or the backport branch as a reviewer left it) to codify; null when it already does. */
  edit(text: string): Promise<Unsafe | { text: string; changes: string[] } | null>;
  /** The branch's whole change against the base code, one plain-English line each. */
  codeChange: string[];
  /** What the code declares now, for the fallback issue (e.g. "The code currently declares 3 rule(s) for the group."). */
  codeNote: string;
}

/** A kind's backport editor: HCL in place, checked with HashiCorp's parser, and the kind's words for the PR. */
export interface BackportEditor {
  /** Plans the edit from the base branch's text, or says why the code cannot be edited safely. */
  plan(location: CodeLocation, subject: BackportSubject): Promise<EditPlan | (Unsafe & { codeNote?: string })>;
  /** One line: what the codified change did, e.g. "closes tcp/8080 to 0.0.0.0/0 on sg-… (aws_security_group.workers)". */
  summary(subject: BackportSubject): string;
  /** Codified differences that leave the code wider when merged (label `widens-exposure`, banner, on-call told). */
  widening(subject: BackportSubject): DriftDifference[];
  /** The PR body; `marker` is the hidden lines the adapter reads back (append them last). */
  pullRequestBody(subject: BackportSubject, file: string, changes: string[], plan: EditPlan, marker: string): string;
  /** The body of the issue opened when the code cannot be edited safely. */
  issueBody(subject: BackportSubject, reason: string, codeNote: string | null, marker: string): string;
}

/**
 * The words of a kind whose changes are tracked in one GitHub issue per resource instead of a pull
 * request (the observed kind: no model of the type, so nothing to edit): the adapter (libs/backport)
 * finds, opens, updates and comments on the issue; the kind says what it reads.
 */
export interface TrackingIssueTexts {
  /** The issue's title. */
  title(drift: DriftRecord): string;
  /** The whole body, for the drift as it is now (`where`: the stack's repository folder); `marker` goes last. */
  body(drift: DriftRecord, where: string, marker: string): string;
  /** A comment on what is new since the issue last heard of the resource. */
  comment(drift: DriftRecord, fresh: readonly DriftDifference[]): string;
}

// ---------------------------------------------------------------------------------------------
// Kind-neutral pieces of the texts
// ---------------------------------------------------------------------------------------------

export function incidentOf(drift: DriftRecord): NonNullable<FreezeSourceSnapshot['incident']> | null {
  const sources = [...(drift.evidence.freeze?.atChange.sources ?? []), ...(drift.evidence.freeze?.now.sources ?? [])];
  return sources.find((s) => s.incident)?.incident ?? null;
}

export function incidentLabel(drift: DriftRecord): string | null {
  const i = incidentOf(drift);
  return i ? `incident:${i.provider}-${i.id}` : null;
}

/** When the change was made: during which incident or freeze, or (break-glass) outside any. */
export function changeContext(drift: DriftRecord): string {
  const incident = incidentOf(drift);
  if (incident) return `During ${incident.provider} incident [${incident.number ?? incident.id}: ${incident.title}](${incident.url ?? ''})`;
  const declared = (drift.evidence.freeze?.atChange.sources ?? []).find((s) => s.type !== 'unknown');
  if (declared) return `During a ${declared.type} freeze (${declared.reason})`;
  return 'Outside any freeze';
}

/** Why a difference is not in the pull request. */
export function whyLeftOut(d: DriftDifference): string {
  const flagged = (d.flags ?? []).includes('suspicious')
    ? ' — **suspicious**: it widened exposure during a freeze and was not made by a break-glass principal'
    : '';
  const cause = d.madeBy.unattributable
    ? `not attributable to one change (${d.madeBy.unattributable}); driftwarden never codifies what it cannot attribute`
    : `made by ${d.madeBy.principal.arn ? `\`${d.madeBy.principal.arn}\`` : 'an unknown principal'} (${d.madeBy.principal.class}) at ${d.madeBy.at}`;
  const what = {
    hold: 'held until the freeze ends',
    await_approval: 'waits for a human (approve, adopt or reject)',
    revert: 'to be reverted',
    observe: 'observed: recorded, never reverted',
    leave: 'left as it is by a human',
    backport: 'codified',
  }[d.decision.action];
  return `${d.sentence}: ${what}; ${cause}${flagged}`;
}

/** The first line of a PR that codifies a break-glass change widening exposure (DESIGN §6). */
export function wideningBanner(widening: readonly DriftDifference[]): string[] {
  if (widening.length === 0) return [];
  return [
    `> **⚠ widens exposure:** this pull request codifies a break-glass change that widens exposure: ${widening.map((d) => d.sentence).join('; ')}. Break-glass is trusted, so it was not reverted; the on-call was told. Review it with care.`,
    ``,
  ];
}

/** The differences a PR or issue deliberately leaves out, and why (DESIGN §6). */
export function leftOutSection(leftOut: readonly DriftDifference[], driftId: string, where: 'pull request' | 'issue'): string[] {
  if (leftOut.length === 0) return [];
  return [
    `## Left out of this ${where}`,
    ``,
    `These differences on the same resource are deliberately **not** codified here; each keeps its own decision on drift record \`${driftId}\`:`,
    ``,
    ...leftOut.map((d) => `- ${whyLeftOut(d)}`),
    ``,
  ];
}

/** `- **closed** ingress tcp/8080 … — by **alice** (arn, class) at … (CloudTrail call id)`. */
export function madeByLine(d: DriftDifference): string {
  return `- ${d.sentence.replace(/^(\S+)/, '**$1**')} — by ${principalPhrase(d.madeBy.principal)} at ${d.madeBy.at}${d.madeBy.cloudTrailEventId ? ` (CloudTrail \`${d.madeBy.eventName ?? 'call'}\` \`${d.madeBy.cloudTrailEventId}\`)` : ''}`;
}

/** The PR body's "change to the code" section: the branch's whole change, then the latest commit's. */
export function codeChangeSection(file: string, plan: Pick<EditPlan, 'codeChange'>, changes: readonly string[]): string[] {
  return [
    `## The change to the code`,
    ``,
    `\`${file}\` (this branch against the base branch):`,
    ``,
    ...plan.codeChange.map((c) => `- ${c}`),
    ...(changes.length ? [``, `Latest commit:`, ``, ...changes.map((c) => `- ${c}`)] : []),
    ``,
  ];
}

/** The PR body's evidence table (record, Config item, CloudTrail call, principal, incident, stack). */
export function evidenceSection(drift: DriftRecord): string[] {
  const incident = incidentOf(drift);
  return [
    `## Evidence`,
    ``,
    `| | |`,
    `| --- | --- |`,
    `| Drift record | \`${drift.id}\` |`,
    `| Config item captured | ${drift.evidence.captureTime} (configurationStateId ${drift.evidence.configurationStateId ?? '–'}) |`,
    `| CloudTrail event | ${drift.evidence.cloudTrailEventId ? `\`${drift.evidence.cloudTrailEventId}\`` : 'not found'} |`,
    `| Principal | ${drift.principal.arn ? `\`${drift.principal.arn}\`` : 'unknown'} |`,
    `| Incident | ${incident ? `${incident.provider} ${incident.id}${incident.url ? ` (${incident.url})` : ''}` : '–'} |`,
    `| Stack | ${drift.resource.stack ?? '–'} |`,
    ``,
  ];
}

/** `**alice** (\`arn\`, breakGlass)`, or `an unknown principal`. */
export function principalPhrase(p: DriftRecord['principal']): string {
  return p.arn ? `${p.session ? `**${p.session}** ` : ''}(\`${p.arn}\`, ${p.class})` : 'an unknown principal';
}

/** The resource as the texts name it: `` `sg-…` (`aws_security_group.workers`) ``. */
export function resourceName(drift: DriftRecord): string {
  return `\`${drift.resource.id}\`${drift.resource.address ? ` (\`${drift.resource.address}\`)` : ''}`;
}

/**
 * A backport pull request's body, the same frame for every kind (DESIGN §6): the widening banner,
 * what happened (`happened`: the kind's sentence and lines), why it was not reverted, the change to
 * the code, what is left out, the evidence, the reviewer's checklist (after the kind's own first
 * lines: `checklist`), and the marker that finds the PR again. `matches`: what the code is made
 * to match (`live state`, `live entries`…).
 */
export function pullRequestBody(o: {
  subject: BackportSubject;
  widening: readonly DriftDifference[];
  happened: readonly string[];
  matches: string;
  file: string;
  plan: EditPlan;
  changes: readonly string[];
  checklist: readonly string[];
  marker: string;
}): string {
  const drift = o.subject.record;
  return [
    ...wideningBanner(o.widening),
    `## What happened`,
    ``,
    ...o.happened,
    ``,
    `driftwarden did not revert this emergency patch (decision rule ${drift.decision.rule ?? '–'}: ${drift.decision.reason}). This pull request changes the Terraform code so that it matches the ${o.matches}; merging it keeps the fix.`,
    ``,
    ...codeChangeSection(o.file, o.plan, o.changes),
    ...leftOutSection(o.subject.leftOut, drift.id, 'pull request'),
    ...evidenceSection(drift),
    `## Reviewer checklist`,
    ``,
    ...o.checklist.map((c) => `- [ ] ${c}`),
    ``,
    o.marker,
  ].join('\n');
}

/** The reviewer's first two checks for a PR that codifies a change to `what` ("this security group"). */
export function reviewerChecks(drift: DriftRecord, what: string): string[] {
  return [
    `The live change was intended and should stay (ask ${drift.principal.session ?? 'the person who made it'}).`,
    `\`terraform plan\` shows no change to ${what} after merging.`,
  ];
}

/**
 * The issue opened instead of a PR when the code cannot be edited safely (DESIGN §6), the same
 * frame for every kind: `what` changed (`` `acl-…` ``, "the public access block of bucket …"),
 * why it cannot be edited, the kind's live-vs-code `table` (header rows included), what the code
 * declares now, what is left out, the evidence and the marker.
 */
export function fallbackIssueBody(o: {
  subject: BackportSubject;
  widening: readonly DriftDifference[];
  what: string;
  reason: string;
  matches: string;
  table: readonly string[];
  codeNote: string | null;
  marker: string;
}): string {
  const drift = o.subject.record;
  return [
    ...wideningBanner(o.widening),
    `driftwarden kept an emergency change to ${o.what} but cannot edit its Terraform code safely: **${o.reason}**.`,
    ``,
    `Please change the code by hand so that it matches the ${o.matches}:`,
    ``,
    ...o.table,
    ``,
    o.codeNote ?? '',
    ``,
    ...leftOutSection(o.subject.leftOut, drift.id, 'issue'),
    `Evidence: drift \`${drift.id}\`, principal ${drift.principal.arn ? `\`${drift.principal.arn}\`` : 'unknown'}, changed at ${drift.changedAt}, CloudTrail event ${drift.evidence.cloudTrailEventId ?? '–'}.`,
    ``,
    o.marker,
  ].join('\n');
}
