import { AttributeBackportEditor } from '../attributes/attribute-backport-editor';
import { attributeDetail } from '../attributes/attribute-differences';
import { isCapacityAttribute } from './model';

/** The `asg` kind's backport: the codified capacity attributes set to their live values in `aws_autoscaling_group`. */
export function asgBackportEditor(): AttributeBackportEditor {
  return new AttributeBackportEditor({
    noun: 'Auto Scaling group',
    setsOf: (codified) =>
      codified.flatMap((d) => {
        const a = attributeDetail(d);
        return isCapacityAttribute(a.attribute) && typeof a.live === 'number' ? [{ path: a.attribute, value: a.live }] : [];
      }),
    checklist: [
      'The live capacity was intended and should stay (or lower it again once the incident is over, in code).',
      '`terraform plan` shows no change to this group after merging.',
      'Scaling policies and schedules still fit the new min_size / max_size.',
    ],
  });
}
