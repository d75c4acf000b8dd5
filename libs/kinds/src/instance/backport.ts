import { AttributeBackportEditor } from '../attributes/attribute-backport-editor';
import { attributeDetail } from '../attributes/attribute-differences';
import type { AttributeSet } from '../attributes/hcl-attribute-edit';
import { SECURITY_GROUPS } from './model';

/**
 * The `instance` kind's backport: each codified attribute set to its live value in `aws_instance`
 * (`metadata_options { http_tokens = … }` added when the block is missing), and the security group
 * list rewritten with the codified attachments and detachments (kept in its layout).
 */
export function instanceBackportEditor(): AttributeBackportEditor {
  return new AttributeBackportEditor({
    noun: 'instance',
    setsOf: (codified, current) => {
      const sets: AttributeSet[] = [];
      let groups: string[] | null = null;
      for (const d of codified) {
        const a = attributeDetail(d);
        if (a.attribute === SECURITY_GROUPS && a.member) {
          const now = current(SECURITY_GROUPS);
          groups ??= Array.isArray(now) ? [...now] : [];
          groups = a.live === null ? groups.filter((g) => g !== a.member) : groups.includes(a.member) ? groups : [...groups, a.member];
        } else if (typeof a.live === 'string' || typeof a.live === 'boolean' || typeof a.live === 'number') {
          sets.push({ path: a.attribute, value: a.live });
        }
      }
      if (groups) sets.push({ path: SECURITY_GROUPS, value: groups });
      return sets;
    },
    checklist: [
      'The live change was intended and should stay (ask the person who made it).',
      '`terraform plan` shows no change to this instance after merging.',
      'Workloads on the instance still work with the metadata options and security groups in the code.',
    ],
  });
}
