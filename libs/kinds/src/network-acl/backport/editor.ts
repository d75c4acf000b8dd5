/**
 * The network-ACL kind's backport editor (DESIGN §6): the code's entries for the ACL, the edit
 * that codifies the backport's differences in place (hcl/network-acl-edit.ts, checked with
 * HashiCorp's parser), and the kind's words for the PR and issue.
 */
import type { DriftDifference } from '@driftwarden/domain';
import { HclDocument, initHclParser } from '@driftwarden/hcl-edit';
import {
  changeContext,
  fallbackIssueBody,
  madeByLine,
  principalPhrase,
  pullRequestBody,
  resourceName,
  reviewerChecks,
  type BackportEditor,
  type BackportSubject,
  type CodeLocation,
  type EditPlan,
  type Unsafe,
} from '../../backport';
import { entryDetail, entrySentence, withDesired, withLive, type EntryDetail } from '../differences';
import { compareAllowed } from '../model/evaluation';
import { describeEntry, entryKey, type NaclEntry, type NetworkAclDiff } from '../model/entry';
import { editAclEntries, readAclCode } from '../hcl/network-acl-edit';

/** The entry details a backport codifies (the whole diff for a record without differences). */
export function codifiedDetails(subject: BackportSubject): EntryDetail[] {
  if (subject.whole) {
    const diff = subject.record.diff as unknown as Partial<NetworkAclDiff>;
    return [
      ...(diff.extra ?? []).map((live) => ({ live })),
      ...(diff.missing ?? []).map((desired) => ({ desired })),
      ...(diff.changed ?? []).map((c) => ({ live: c.live, desired: c.desired })),
    ];
  }
  return subject.codified.map(entryDetail);
}

/**
 * What the codified change did to the traffic the ACL allows: each difference's direction, judged
 * by the kind against the code's entries in evaluation order (a record without differences: its
 * entries compared on their own, which can only under-state an effect).
 */
function effectOf(subject: BackportSubject): { gained: boolean; lost: boolean } {
  if (!subject.whole) {
    return {
      gained: subject.codified.some((d) => d.direction.change === 'widens'),
      lost: subject.codified.some((d) => d.direction.change === 'narrows'),
    };
  }
  const details = codifiedDetails(subject);
  return compareAllowed(withDesired([], details), withLive([], details));
}

export class NetworkAclBackportEditor implements BackportEditor {
  async plan(loc: CodeLocation, subject: BackportSubject): Promise<EditPlan | (Unsafe & { codeNote?: string })> {
    await initHclParser();
    const aclId = subject.record.resource.id;
    const base = readAclCode(HclDocument.parse(loc.text), loc.target, aclId);
    if ('unsafe' in base) return base;
    const codeEntries: NaclEntry[] = base.entries.map((c) => c.entry);
    // Live = what the code declares with the codified differences applied as live has them.
    const want = withLive(codeEntries, codifiedDetails(subject));
    const baseByKey = new Map(codeEntries.map((e) => [entryKey(e), e]));
    const wantByKey = new Map(want.map((e) => [entryKey(e), e]));
    const codeChange = [
      ...codeEntries.filter((e) => !wantByKey.has(entryKey(e))).map((e) => `removes ${entryKey(e)} (${describeEntry(e)})`),
      ...want
        .filter((e) => baseByKey.has(entryKey(e)) && JSON.stringify(baseByKey.get(entryKey(e))) !== JSON.stringify(e))
        .map((e) => `changes ${entryKey(e)} to ${describeEntry(e)}`),
      ...want.filter((e) => !baseByKey.has(entryKey(e))).map((e) => `adds ${entryKey(e)} (${describeEntry(e)})`),
    ];
    return {
      codeChange,
      codeNote: `The code currently declares ${codeEntries.length} entr${codeEntries.length === 1 ? 'y' : 'ies'} for the network ACL.`,
      edit: (text: string) =>
        editAclEntries(text, { target: loc.target, aclId, want, reservedNames: loc.reservedNames, filename: loc.path }),
    };
  }

  /** "adds ingress rule #50: deny tcp/22 from 203.0.113.0/24 on acl-… (aws_network_acl.main)" */
  summary(subject: BackportSubject): string {
    const r = subject.record.resource;
    const details = codifiedDetails(subject);
    const where = `${r.id}${r.address ? ` (${r.address})` : ''}`;
    return `${details.length ? details.map(entrySentence).join(', ') : 'no entry change'} on ${where}`;
  }

  /** Codified differences that let in more traffic than the code allowed (judged in evaluation order against the code). */
  widening(subject: BackportSubject): DriftDifference[] {
    return subject.codified.filter((d) => d.direction.change === 'widens');
  }

  pullRequestBody(subject: BackportSubject, file: string, changes: string[], plan: EditPlan, marker: string): string {
    const drift = subject.record;
    const details = codifiedDetails(subject);
    const effect = effectOf(subject);
    const what = effect.gained
      ? 'WIDENED what the ACL allows'
      : effect.lost
        ? 'narrowed what the ACL allows (it only blocks traffic that was allowed)'
        : 'does not change what the ACL allows (entries are evaluated in rule-number order, first match wins)';
    return pullRequestBody({
      subject,
      widening: this.widening(subject),
      happened: [
        `${changeContext(drift)}, ${principalPhrase(drift.principal)} changed network ACL ${resourceName(drift)} by hand at ${drift.changedAt}. The change ${what}:`,
        ``,
        ...(subject.codified.length ? subject.codified.map(madeByLine) : details.map((d) => `- ${entrySentence(d)}`)),
      ],
      matches: 'live entries',
      file,
      plan,
      changes,
      checklist: [...reviewerChecks(drift, 'this network ACL'), `Subnet associations are unchanged (driftwarden never changes them).`],
      marker,
    });
  }

  issueBody(subject: BackportSubject, reason: string, codeNote: string | null, marker: string): string {
    const cell = (e: NaclEntry | undefined) => (e ? describeEntry(e) : 'absent');
    return fallbackIssueBody({
      subject,
      widening: this.widening(subject),
      what: resourceName(subject.record),
      reason,
      matches: 'live entries',
      table: [
        `| entry | live | code |`,
        `| --- | --- | --- |`,
        ...codifiedDetails(subject).map((d) => `| ${entryKey((d.live ?? d.desired)!)} | ${cell(d.live)} | ${cell(d.desired)} |`),
      ],
      codeNote,
      marker,
    });
  }
}
