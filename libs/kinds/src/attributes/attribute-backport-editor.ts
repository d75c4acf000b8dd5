/**
 * The backport editor of an attribute kind (DESIGN §6): the codified differences become attribute
 * values set in the resource's block, in place (hcl-attribute-edit.ts, checked with HashiCorp's
 * parser), and the kind's words for the PR and the fallback issue.
 */
import { isRisky, type DriftDifference } from '@driftwarden/domain';
import { HclDocument, initHclParser } from '@driftwarden/hcl-edit';
import {
  changeContext,
  fallbackIssueBody,
  madeByLine,
  pullRequestBody,
  resourceName,
  type BackportEditor,
  type BackportSubject,
  type CodeLocation,
  type EditPlan,
  type Unsafe,
} from '../backport';
import { attributeDetail } from './attribute-differences';
import { setResourceAttributes, type AttributeSet, type AttributeValue } from './hcl-attribute-edit';

export interface AttributeEditorSpec {
  /** `Auto Scaling group`, `instance`. */
  noun: string;
  /** The values to write for the codified differences; `current(path)` is the code's literal value, if any. */
  setsOf(codified: readonly DriftDifference[], current: (path: string) => AttributeValue | undefined): AttributeSet[];
  /** The reviewer's checklist lines. */
  checklist: string[];
}

function currentValues(text: string, target: { type: string; name: string }): (path: string) => AttributeValue | undefined {
  const block = HclDocument.parse(text).resource(target.type, target.name);
  return (path) => {
    const parts = path.split('.');
    const owner = parts.length === 2 ? block?.blocks.find((b) => b.type === parts[0]) : block;
    const v = owner?.attributes.find((a) => a.name === parts[parts.length - 1])?.value;
    if (!v) return undefined;
    if (v.kind === 'number' || v.kind === 'string' || v.kind === 'bool') return v.value;
    if (v.kind === 'tuple' && v.items.every((i) => i.kind === 'string')) return v.items.map((i) => (i.kind === 'string' ? i.value : ''));
    return undefined;
  };
}

export class AttributeBackportEditor implements BackportEditor {
  constructor(private readonly spec: AttributeEditorSpec) {}

  async plan(loc: CodeLocation, subject: BackportSubject): Promise<EditPlan | (Unsafe & { codeNote?: string })> {
    await initHclParser();
    const codified = this.codified(subject);
    if (codified.length === 0) return { unsafe: 'the record names no difference to codify' };
    const sets = this.spec.setsOf(codified, currentValues(loc.text, loc.target));
    const first = await setResourceAttributes(loc.text, loc.target, sets, loc.path);
    if (first && 'unsafe' in first) return { unsafe: first.unsafe, codeNote: this.codeNote(loc) };
    return {
      codeChange: first?.changes ?? ['the code already declares the live values'],
      codeNote: this.codeNote(loc),
      edit: async (text: string) => {
        const again = this.spec.setsOf(codified, currentValues(text, loc.target));
        return setResourceAttributes(text, loc.target, again, loc.path);
      },
    };
  }

  summary(subject: BackportSubject): string {
    const r = subject.record.resource;
    const what = this.codified(subject).map((d) => d.sentence);
    return `${what.length ? what.join(', ') : 'no change'} (${r.address ?? r.id})`;
  }

  widening(subject: BackportSubject): DriftDifference[] {
    return this.codified(subject).filter((d) => isRisky(d.direction.change));
  }

  pullRequestBody(subject: BackportSubject, file: string, changes: string[], plan: EditPlan, marker: string): string {
    const drift = subject.record;
    return pullRequestBody({
      subject,
      widening: this.widening(subject),
      happened: [
        `${changeContext(drift)}, ${this.spec.noun} ${resourceName(drift)} was changed by hand. The emergency changes this pull request codifies, each attributed to the call that made it:`,
        ``,
        ...this.codified(subject).map(madeByLine),
      ],
      matches: 'live state',
      file,
      plan,
      changes,
      checklist: this.spec.checklist,
      marker,
    });
  }

  issueBody(subject: BackportSubject, reason: string, codeNote: string | null, marker: string): string {
    return fallbackIssueBody({
      subject,
      widening: this.widening(subject),
      what: `${this.spec.noun} ${resourceName(subject.record)}`,
      reason,
      matches: 'live state',
      table: [
        `| attribute | live | code |`,
        `| --- | --- | --- |`,
        ...this.codified(subject).map((d) => {
          const a = attributeDetail(d);
          return `| ${a.attribute}${a.member ? ` (${a.member})` : ''} | ${JSON.stringify(a.live)} | ${JSON.stringify(a.desired)} |`;
        }),
      ],
      codeNote,
      marker,
    });
  }

  /** The differences codified (a record without differences: none can be named, so nothing is). */
  private codified(subject: BackportSubject): DriftDifference[] {
    return subject.codified;
  }

  private codeNote(loc: CodeLocation): string {
    return `The code declares ${loc.target.type}.${loc.target.name} in ${loc.path}.`;
  }
}
