/**
 * The words of an observed resource's tracking issue (issue 13): one issue per resource in the
 * stack's repository, instead of a pull request — driftwarden has no model of the type, so it
 * cannot edit the code; a human codifies the change or undoes it by hand.
 */
import type { DriftDifference, DriftRecord } from '@driftwarden/domain';
import { changeContext, madeByLine, type TrackingIssueTexts } from '../backport';

const DECISION_TEXT: Record<DriftDifference['decision']['action'], string> = {
  backport: 'made during a freeze or by a break-glass principal: codify it or undo it by hand',
  hold: 'held: decided again when the freeze ends',
  observe: 'observed outside any freeze: recorded, never reverted',
  await_approval: 'waits for a human',
  revert: 'to be reverted',
  leave: 'left as it is by a human',
};

function differenceLines(d: DriftDifference): string[] {
  const why = d.madeBy.unattributable ? ` (not attributable to one change: ${d.madeBy.unattributable})` : '';
  return [madeByLine(d), `  - ${DECISION_TEXT[d.decision.action]}${why}`];
}

function resourceLine(drift: DriftRecord): string {
  return `\`${drift.resource.type}\` \`${drift.resource.id}\` in account ${drift.resource.account}, ${drift.resource.region}`;
}

export const observedTrackingIssue: TrackingIssueTexts = {
  title(drift) {
    const at = drift.resource.address ? ` (${drift.resource.address})` : '';
    return `Changed by hand: ${drift.resource.type} ${drift.resource.id}${at}: codify or undo`.slice(0, 240);
  },

  body(drift, where, marker) {
    const differences = drift.differences ?? [];
    const incident = changeContext(drift);
    return [
      `driftwarden saw a change made by hand to a resource that Terraform manages but that no driftwarden resource kind models. It never reverts such a change and cannot edit the code for it: **codify it in Terraform, or undo it by hand.**`,
      ``,
      `| | |`,
      `| --- | --- |`,
      `| resource | ${resourceLine(drift)} |`,
      `| Terraform | \`${drift.resource.address ?? '(unknown address)'}\` in stack \`${drift.resource.stack ?? '(none)'}\` (\`${where}\`) |`,
      `| when | ${incident} |`,
      `| drift record | \`${drift.id}\` (\`driftwarden drifts show ${drift.id}\`) |`,
      ``,
      `## What changed (as AWS Config reports it)`,
      ``,
      ...(differences.length > 0 ? differences.flatMap(differenceLines) : ['- nothing differs any more']),
      ``,
      `## What to do`,
      ``,
      `- **Codify**: change \`${drift.resource.address ?? 'the resource'}\` in \`${where}\` so that the code says what live says, and let the Terraform pipeline apply it (its apply ends the drift).`,
      `- **Or undo** the change by hand, if it should not stay; driftwarden sees the property go back and the drift ends.`,
      `- Close this issue once done. A later change to the resource updates this issue and is commented on here.`,
      ``,
      marker,
    ].join('\n');
  },

  comment(drift, fresh) {
    return [
      `**${fresh.length === 1 ? 'A new change' : `${fresh.length} new changes`}** on ${resourceLine(drift)} (${changeContext(drift)}):`,
      ``,
      ...fresh.flatMap(differenceLines),
      ``,
      `The issue's description lists everything that differs now (drift record \`${drift.id}\`).`,
    ].join('\n');
  },
};
