/**
 * The security-group kind's backport editor (DESIGN §6): the rules the code declares for the
 * group, read with tree-sitter in any of the three Terraform styles; the edit that codifies the
 * backport's differences, in place (every byte outside it kept) and checked with HashiCorp's
 * parser; and the kind's words for the PR and issue.
 */
import { type DriftDifference } from '@driftwarden/domain';
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
import { analyzeExposure } from '../exposure/analyze-exposure';
import { ruleKey } from '../model/rule';
import { TF_SECURITY_GROUP } from '../normalize/terraform';
import { editSecurityGroupRules, readSecurityGroupRules } from '../hcl/edit/security-group-edit';
import type { RuleStyle } from '../hcl/rules/terraform-rules';
import { describePeer, describePermissionRule, describePorts, type PermissionRule } from '../model/permission-rule';
import { securityGroupDiff, type SecurityGroupDiff } from '../model/permission-rule';

/** The rules a backport codifies: the codified differences' rules (the whole diff for a record without differences). */
export function codifiedRules(subject: BackportSubject): Pick<SecurityGroupDiff, 'extra' | 'missing'> {
  if (subject.whole) {
    const { extra, missing } = securityGroupDiff(subject.record.diff);
    return { extra, missing };
  }
  const rule = (d: DriftDifference) => d.detail as unknown as PermissionRule;
  return {
    extra: subject.codified.filter((d) => d.side === 'added').map(rule),
    missing: subject.codified.filter((d) => d.side === 'removed').map(rule),
  };
}

/** `tcp/8080 to 0.0.0.0/0`: what a rule exposes, to whom (ingress reads "from" in the domain's wording). */
const exposure = (r: PermissionRule) =>
  r.direction === 'ingress' ? `${describePorts(r)} to ${describePeer(r.peer)}` : describePermissionRule(r);

/** Whether the codified change widened exposure, judged by the exposure analysis (not the rule count). */
function effectOf(subject: BackportSubject): string {
  const d = subject.record;
  const exposure = analyzeExposure(codifiedRules(subject), {
    groupId: d.resource.id,
    ...(d.resource.address ? { address: d.resource.address } : {}),
  });
  if (exposure.changeOpensToInternet) return 'WIDENED exposure to the internet';
  if (exposure.changeWidensExposure) return 'widened exposure';
  return 'narrowed exposure (it only closed or tightened access)';
}

export class SecurityGroupBackportEditor implements BackportEditor {
  async plan(loc: CodeLocation, subject: BackportSubject): Promise<EditPlan | (Unsafe & { codeNote?: string })> {
    await initHclParser();
    const groupId = subject.record.resource.id;
    const read = (text: string) => readSecurityGroupRules(HclDocument.parse(text), { target: loc.target, groupId });
    const base = read(loc.text);
    if ('unsafe' in base) return { unsafe: base.reason };
    // Live = what the code (as applied) declares − closed + opened (only what the backport codifies).
    const codified = codifiedRules(subject);
    const missing = new Set(codified.missing.map(ruleKey));
    const live: PermissionRule[] = [...base.rules.filter((r) => !missing.has(ruleKey(r))), ...codified.extra];
    const liveKeys = new Set(live.map(ruleKey));
    const codeNote = `The code currently declares ${base.rules.length} rule(s) for the group.`;
    const editTo = async (
      text: string,
      rules: { rules: PermissionRule[]; style: RuleStyle | null },
    ): Promise<Unsafe | { text: string; changes: string[] } | null> => {
      const codeKeys = new Set(rules.rules.map(ruleKey));
      const remove = rules.rules.filter((r) => !liveKeys.has(ruleKey(r)));
      const add = live.filter((r) => !codeKeys.has(ruleKey(r)));
      if (remove.length === 0 && add.length === 0) return null;
      const edit = await editSecurityGroupRules(text, {
        target: loc.target,
        groupId,
        remove,
        add,
        ...(rules.style ? { style: rules.style } : {}),
        reservedNames: loc.reservedNames,
        groupInModule: loc.target.type === TF_SECURITY_GROUP,
        filename: loc.path,
      });
      return edit.unsafe ? { unsafe: `${edit.reason} (${edit.code})` } : { text: edit.text, changes: edit.changes };
    };
    // The whole change of the branch (base code → live), not just the latest commit.
    const baseKeys = new Set(base.rules.map(ruleKey));
    const codeChange = [
      ...base.rules.filter((r) => !liveKeys.has(ruleKey(r))).map((r) => `removes ${describePermissionRule(r)}`),
      ...live.filter((r) => !baseKeys.has(ruleKey(r))).map((r) => `adds ${describePermissionRule(r)}`),
    ];
    return {
      codeChange,
      codeNote,
      edit: async (text: string) => {
        // The edit made on this version of the file (the base, or the branch as a reviewer left it).
        const rules = text === loc.text ? base : read(text);
        if ('unsafe' in rules) return { unsafe: rules.reason };
        return editTo(text, rules);
      },
    };
  }

  /** "closes tcp/8080 to 0.0.0.0/0 on sg-… (aws_security_group.workers)" */
  summary(subject: BackportSubject): string {
    const drift = subject.record;
    const codified = codifiedRules(subject);
    const where = `${drift.resource.id}${drift.resource.address ? ` (${drift.resource.address})` : ''}`;
    const parts = [...codified.missing.map((r) => `closes ${exposure(r)}`), ...codified.extra.map((r) => `opens ${exposure(r)}`)];
    return `${parts.length ? parts.join(', ') : 'no rule change'} on ${where}`;
  }

  /**
   * What merging does to the code, judged over everything the PR codifies together (a range
   * closed, then a narrower one let back in, narrows the code even though the second call opened
   * something at the time).
   */
  widening(subject: BackportSubject): DriftDifference[] {
    const exposure = analyzeExposure(codifiedRules(subject), { groupId: subject.record.resource.id });
    const widens = new Set(exposure.change.filter((op) => op.action === 'authorize' && op.widens).map((op) => ruleKey(op.rule)));
    return subject.codified.filter((d) => d.side === 'added' && widens.has(d.key));
  }

  pullRequestBody(subject: BackportSubject, file: string, changes: string[], plan: EditPlan, marker: string): string {
    const drift = subject.record;
    const codified = codifiedRules(subject);
    return pullRequestBody({
      subject,
      widening: this.widening(subject),
      happened:
        new Set(subject.codified.map((d) => d.madeBy.principal.arn)).size > 1
          ? [
              `${changeContext(drift)}, security group ${resourceName(drift)} was changed by hand by several people. The emergency changes this pull request codifies (each attributed to the call that made it) ${effectOf(subject)}:`,
              ``,
              ...subject.codified.map(madeByLine),
            ]
          : [
              `${changeContext(drift)}, ${principalPhrase(drift.principal)} changed security group ${resourceName(drift)} by hand at ${drift.changedAt}. The change ${effectOf(subject)}:`,
              ``,
              ...codified.missing.map((r) => `- closed **${describePermissionRule(r)}**`),
              ...codified.extra.map((r) => `- opened **${describePermissionRule(r)}**`),
            ],
      matches: 'live state',
      file,
      plan,
      changes,
      checklist: [...reviewerChecks(drift, 'this security group'), `Nothing else depends on the access this change closed.`],
      marker,
    });
  }

  issueBody(subject: BackportSubject, reason: string, codeNote: string | null, marker: string): string {
    const codified = codifiedRules(subject);
    const row = (r: PermissionRule, live: string, code: string) => `| ${r.direction} | ${describePermissionRule(r)} | ${live} | ${code} |`;
    return fallbackIssueBody({
      subject,
      widening: this.widening(subject),
      what: resourceName(subject.record),
      reason,
      matches: 'live state',
      table: [
        `| direction | rule | live | code |`,
        `| --- | --- | --- | --- |`,
        ...codified.missing.map((r) => row(r, 'absent', 'present')),
        ...codified.extra.map((r) => row(r, 'present', 'absent')),
      ],
      codeNote,
      marker,
    });
  }
}
