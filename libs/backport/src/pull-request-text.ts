import {
  describePeer,
  describePermissionRule,
  describePorts,
  diffOfDifferences,
  type DriftDifference,
  type DriftRecord,
  type FreezeSourceSnapshot,
  type PermissionRule,
} from '@driftwarden/domain';
import { analyzeExposure, ruleKey } from '@driftwarden/kinds/security-group';
import { recordMarker } from './record-marker';

/**
 * The part of a drift a backport is about (DESIGN §6): only the differences decided `backport`
 * (emergency patches, or adopted by a human), with the principal and time of the newest of them;
 * `leftOut`: every other difference, which the PR body lists with the reason it is not codified.
 * A record without differences (written before they existed, or rebuilt from GitHub) is
 * backported whole.
 */
export interface BackportView {
  view: DriftRecord;
  codified: DriftDifference[];
  leftOut: DriftDifference[];
  /** Codified differences that widen exposure (a trusted break-glass change): label `widens-exposure`. */
  widening: DriftDifference[];
}

export function backportView(drift: DriftRecord): BackportView {
  if (!drift.differences) return { view: drift, codified: [], leftOut: [], widening: [] };
  const codified = drift.differences.filter((d) => d.decision.action === 'backport');
  const leftOut = drift.differences.filter((d) => d.decision.action !== 'backport');
  const newest = [...codified].sort((a, b) => Date.parse(b.madeBy.at) - Date.parse(a.madeBy.at))[0];
  const view: DriftRecord = {
    ...drift,
    diff: diffOfDifferences(codified),
    ...(newest
      ? {
          decision: { action: 'backport', rule: newest.decision.rule ?? 3, reason: newest.decision.reason },
          principal: newest.madeBy.principal,
          changedAt: newest.madeBy.at,
          evidence: { ...drift.evidence, ...(newest.madeBy.cloudTrailEventId ? { cloudTrailEventId: newest.madeBy.cloudTrailEventId } : {}) },
        }
      : {}),
  };
  // What merging does to the code: judged over everything the PR codifies together (a range
  // closed, then a narrower one let back in, narrows the code even though the second call opened
  // something at the time).
  const exposure = analyzeExposure(view.diff, { groupId: drift.resource.id });
  const widens = new Set(exposure.change.filter((op) => op.action === 'authorize' && op.widens).map((op) => ruleKey(op.rule)));
  return { view, codified, leftOut, widening: codified.filter((d) => d.side === 'added' && widens.has(d.key)) };
}

/** Why a difference is not in the pull request. */
export function whyLeftOut(d: DriftDifference): string {
  const flagged = (d.flags ?? []).includes('suspicious') ? ' — **suspicious**: it widened exposure during a freeze and was not made by a break-glass principal' : '';
  const cause = d.madeBy.unattributable
    ? `not attributable to one change (${d.madeBy.unattributable}); driftwarden never codifies what it cannot attribute`
    : `made by ${d.madeBy.principal.arn ? `\`${d.madeBy.principal.arn}\`` : 'an unknown principal'} (${d.madeBy.principal.class}) at ${d.madeBy.at}`;
  const what = { hold: 'held until the freeze ends', await_approval: 'waits for a human (approve, adopt or reject)', revert: 'to be reverted', leave: 'left as it is by a human', backport: 'codified' }[d.decision.action];
  return `${d.sentence}: ${what}; ${cause}${flagged}`;
}

export function incidentOf(drift: DriftRecord): NonNullable<FreezeSourceSnapshot['incident']> | null {
  const sources = [...(drift.evidence.freeze?.atChange.sources ?? []), ...(drift.evidence.freeze?.now.sources ?? [])];
  return sources.find((s) => s.incident)?.incident ?? null;
}

export function incidentLabel(drift: DriftRecord): string | null {
  const i = incidentOf(drift);
  return i ? `incident:${i.provider}-${i.id}` : null;
}

/** `tcp/8080 to 0.0.0.0/0`: what a rule exposes, to whom (ingress reads "from" in the domain's wording). */
const exposure = (r: PermissionRule) => (r.direction === 'ingress' ? `${describePorts(r)} to ${describePeer(r.peer)}` : describePermissionRule(r));

/** "closes tcp/8080 to 0.0.0.0/0 on sg-… (aws_security_group.workers)" */
export function summarize(drift: DriftRecord): string {
  const where = `${drift.resource.id}${drift.resource.address ? ` (${drift.resource.address})` : ''}`;
  const closed = drift.diff.missing.map((r) => `closes ${exposure(r)}`);
  const opened = drift.diff.extra.map((r) => `opens ${exposure(r)}`);
  const parts = [...closed, ...opened];
  return `${parts.length ? parts.join(', ') : 'no rule change'} on ${where}`;
}

export function pullRequestTitle(drift: DriftRecord): string {
  return `Backport emergency change: ${summarize(drift)}`.slice(0, 240);
}

/** The hidden lines: drift and resource ids (what issues are found by), and the record summary (what a rebuild reads). */
export function marker(drift: DriftRecord): string {
  return `<!-- driftwarden:drift=${drift.id} resource=${drift.resource.id} -->\n${recordMarker(drift, incidentOf(drift) ?? drift.links.incident ?? null)}`;
}

/** When the change was made: during which incident or freeze, or (break-glass) outside any. */
function context(drift: DriftRecord): string {
  const incident = incidentOf(drift);
  if (incident) return `During ${incident.provider} incident [${incident.number ?? incident.id}: ${incident.title}](${incident.url ?? ''})`;
  const declared = (drift.evidence.freeze?.atChange.sources ?? []).find((s) => s.type !== 'unknown');
  if (declared) return `During a ${declared.type} freeze (${declared.reason})`;
  return 'Outside any freeze';
}

/** Whether the live change widened exposure, judged by the exposure analysis (not the rule count). */
function effectOf(drift: DriftRecord): string {
  const exposure = analyzeExposure(drift.diff, { groupId: drift.resource.id, ...(drift.resource.address ? { address: drift.resource.address } : {}) });
  if (exposure.changeOpensToInternet) return 'WIDENED exposure to the internet';
  if (exposure.changeWidensExposure) return 'widened exposure';
  return 'narrowed exposure (it only closed or tightened access)';
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

function madeByLine(d: DriftDifference): string {
  const p = d.madeBy.principal;
  const who = p.arn ? `${p.session ? `**${p.session}** ` : ''}(\`${p.arn}\`, ${p.class})` : 'an unknown principal';
  return `- ${d.sentence.replace(/^(\S+)/, '**$1**')} — by ${who} at ${d.madeBy.at}${d.madeBy.cloudTrailEventId ? ` (CloudTrail \`${d.madeBy.eventName ?? 'call'}\` \`${d.madeBy.cloudTrailEventId}\`)` : ''}`;
}

export function pullRequestBody(
  drift: DriftRecord,
  file: string,
  changes: string[],
  codeChange?: { removes: PermissionRule[]; adds: PermissionRule[] },
  parts: Pick<BackportView, 'codified' | 'leftOut' | 'widening'> = { codified: [], leftOut: [], widening: [] },
): string {
  const incident = incidentOf(drift);
  const who = drift.principal.arn ? `${drift.principal.session ? `**${drift.principal.session}** ` : ''}(\`${drift.principal.arn}\`, ${drift.principal.class})` : 'an unknown principal';
  const lines = [
    ...wideningBanner(parts.widening),
    `## What happened`,
    ``,
    ...(new Set(parts.codified.map((d) => d.madeBy.principal.arn)).size > 1
      ? [
          `${context(drift)}, security group \`${drift.resource.id}\`${drift.resource.address ? ` (\`${drift.resource.address}\`)` : ''} was changed by hand by several people. The emergency changes this pull request codifies (each attributed to the call that made it) ${effectOf(drift)}:`,
          ``,
          ...parts.codified.map(madeByLine),
        ]
      : [
          `${context(drift)}, ${who} changed security group \`${drift.resource.id}\`${drift.resource.address ? ` (\`${drift.resource.address}\`)` : ''} by hand at ${drift.changedAt}. The change ${effectOf(drift)}:`,
          ``,
          ...drift.diff.missing.map((r) => `- closed **${describePermissionRule(r)}**`),
          ...drift.diff.extra.map((r) => `- opened **${describePermissionRule(r)}**`),
        ]),
    ``,
    `driftwarden did not revert this emergency patch (decision rule ${drift.decision.rule ?? '–'}: ${drift.decision.reason}). This pull request changes the Terraform code so that it matches the live state; merging it keeps the fix.`,
    ``,
    `## The change to the code`,
    ``,
    `\`${file}\` (this branch against the base branch):`,
    ``,
    ...(codeChange
      ? [...codeChange.removes.map((r) => `- removes ${describePermissionRule(r)}`), ...codeChange.adds.map((r) => `- adds ${describePermissionRule(r)}`)]
      : []),
    ...(changes.length ? [``, `Latest commit:`, ``, ...changes.map((c) => `- ${c}`)] : []),
    ``,
    ...leftOutSection(parts.leftOut, drift.id, 'pull request'),
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
    `## Reviewer checklist`,
    ``,
    `- [ ] The live change was intended and should stay (ask ${drift.principal.session ?? 'the person who made it'}).`,
    `- [ ] \`terraform plan\` shows no change to this security group after merging.`,
    `- [ ] Nothing else depends on the access this change closed.`,
    ``,
    marker(drift),
  ];
  return lines.join('\n');
}

export function issueBody(drift: DriftRecord, reason: string, codeRules: PermissionRule[] | null, parts: Pick<BackportView, 'leftOut' | 'widening'> = { leftOut: [], widening: [] }): string {
  const row = (r: PermissionRule, live: string, code: string) => `| ${r.direction} | ${describePermissionRule(r)} | ${live} | ${code} |`;
  return [
    ...wideningBanner(parts.widening),
    `driftwarden kept an emergency change to \`${drift.resource.id}\`${drift.resource.address ? ` (\`${drift.resource.address}\`)` : ''} but cannot edit its Terraform code safely: **${reason}**.`,
    ``,
    `Please change the code by hand so that it matches the live state:`,
    ``,
    `| direction | rule | live | code |`,
    `| --- | --- | --- | --- |`,
    ...drift.diff.missing.map((r) => row(r, 'absent', 'present')),
    ...drift.diff.extra.map((r) => row(r, 'present', 'absent')),
    ``,
    codeRules ? `The code currently declares ${codeRules.length} rule(s) for the group.` : '',
    ``,
    ...leftOutSection(parts.leftOut, drift.id, 'issue'),
    `Evidence: drift \`${drift.id}\`, principal ${drift.principal.arn ? `\`${drift.principal.arn}\`` : 'unknown'}, changed at ${drift.changedAt}, CloudTrail event ${drift.evidence.cloudTrailEventId ?? '–'}.`,
    ``,
    marker(drift),
  ].join('\n');
}
