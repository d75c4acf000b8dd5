import { describePeer, describePermissionRule, describePorts, type DriftRecord, type FreezeSourceSnapshot, type PermissionRule } from '@driftwarden/domain';
import { analyzeExposure } from '@driftwarden/security-group';
import { recordMarker } from './record-marker';

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

export function pullRequestBody(drift: DriftRecord, file: string, changes: string[], codeChange?: { removes: PermissionRule[]; adds: PermissionRule[] }): string {
  const incident = incidentOf(drift);
  const who = drift.principal.arn ? `${drift.principal.session ? `**${drift.principal.session}** ` : ''}(\`${drift.principal.arn}\`, ${drift.principal.class})` : 'an unknown principal';
  const lines = [
    `## What happened`,
    ``,
    `${context(drift)}, ${who} changed security group \`${drift.resource.id}\`${drift.resource.address ? ` (\`${drift.resource.address}\`)` : ''} by hand at ${drift.changedAt}. The change ${effectOf(drift)}:`,
    ``,
    ...drift.diff.missing.map((r) => `- closed **${describePermissionRule(r)}**`),
    ...drift.diff.extra.map((r) => `- opened **${describePermissionRule(r)}**`),
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

export function issueBody(drift: DriftRecord, reason: string, codeRules: PermissionRule[] | null): string {
  const row = (r: PermissionRule, live: string, code: string) => `| ${r.direction} | ${describePermissionRule(r)} | ${live} | ${code} |`;
  return [
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
    `Evidence: drift \`${drift.id}\`, principal ${drift.principal.arn ? `\`${drift.principal.arn}\`` : 'unknown'}, changed at ${drift.changedAt}, CloudTrail event ${drift.evidence.cloudTrailEventId ?? '–'}.`,
    ``,
    marker(drift),
  ].join('\n');
}
