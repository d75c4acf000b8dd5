/**
 * The S3 bucket kind's backport editor (DESIGN §6): the flags of the bucket's
 * `aws_s3_bucket_public_access_block`, set in place to the live values of the codified
 * differences, checked with HashiCorp's parser; and the kind's words for the PR and issue.
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
import { flagDetail, type FlagDetail } from '../s3-bucket.kind';
import { flagLabel, flagSentence, TERRAFORM_NAMES, type BucketDiff, type PublicAccessBlock } from '../model';
import { editBlockFlags, readBlockFlags } from '../hcl/public-access-block-edit';

export function codifiedFlags(subject: BackportSubject): FlagDetail[] {
  if (subject.whole) {
    const diff = subject.record.diff as unknown as Partial<BucketDiff>;
    return (diff.flags ?? []).map((f) => ({ ...f, bucket: subject.record.resource.id }));
  }
  return subject.codified.map(flagDetail);
}

export class S3BucketBackportEditor implements BackportEditor {
  async plan(loc: CodeLocation, subject: BackportSubject): Promise<EditPlan | (Unsafe & { codeNote?: string })> {
    await initHclParser();
    const base = readBlockFlags(HclDocument.parse(loc.text), loc.target);
    if ('unsafe' in base) return base;
    const want: Partial<PublicAccessBlock> = {};
    for (const f of codifiedFlags(subject)) want[f.flag] = f.live;
    const codeChange = Object.entries(want)
      .filter(([flag, value]) => base[flag as keyof PublicAccessBlock] !== value)
      .map(([flag, value]) => `sets ${TERRAFORM_NAMES[flag as keyof PublicAccessBlock]} = ${String(value)}`);
    return {
      codeChange,
      codeNote: `The code currently sets ${Object.entries(base)
        .map(([f, v]) => `${TERRAFORM_NAMES[f as keyof PublicAccessBlock]} = ${String(v)}`)
        .join(', ')}.`,
      edit: (text: string) => editBlockFlags(text, { target: loc.target, want, filename: loc.path }),
    };
  }

  summary(subject: BackportSubject): string {
    const r = subject.record.resource;
    const flags = codifiedFlags(subject);
    return `${flags.length ? flags.map((f) => `${f.live ? 'turns on' : 'turns off'} ${flagLabel(f.flag)}`).join(', ') : 'no flag change'} on bucket ${r.id}${r.address ? ` (${r.address})` : ''}`;
  }

  /** Every codified flag turned off widens exposure once merged. */
  widening(subject: BackportSubject): DriftDifference[] {
    return subject.codified.filter((d) => !flagDetail(d).live);
  }

  pullRequestBody(subject: BackportSubject, file: string, changes: string[], plan: EditPlan, marker: string): string {
    const drift = subject.record;
    const flags = codifiedFlags(subject);
    const widened = flags.some((f) => !f.live);
    return pullRequestBody({
      subject,
      widening: this.widening(subject),
      happened: [
        `${changeContext(drift)}, ${principalPhrase(drift.principal)} changed the public access block of bucket ${resourceName(drift)} by hand at ${drift.changedAt}. The change ${widened ? 'WIDENED exposure' : 'narrowed exposure (it only blocks more public access)'}:`,
        ``,
        ...(subject.codified.length
          ? subject.codified.map(madeByLine)
          : flags.map((f) => `- ${flagSentence(f.flag, f.live, drift.resource.id)}`)),
      ],
      matches: 'live block',
      file,
      plan,
      changes,
      checklist: reviewerChecks(drift, 'this public access block'),
      marker,
    });
  }

  issueBody(subject: BackportSubject, reason: string, codeNote: string | null, marker: string): string {
    return fallbackIssueBody({
      subject,
      widening: this.widening(subject),
      what: `the public access block of bucket ${resourceName(subject.record)}`,
      reason,
      matches: 'live block',
      table: [
        `| attribute | live | code |`,
        `| --- | --- | --- |`,
        ...codifiedFlags(subject).map((f) => `| ${TERRAFORM_NAMES[f.flag]} | ${f.live} | ${f.desired} |`),
      ],
      codeNote,
      marker,
    });
  }
}
