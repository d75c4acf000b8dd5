/** How the observed kind's record shapes read in the API's OpenAPI document. */
import type { KindSchemas } from '../kind';

const change = {
  type: 'object',
  required: ['property', 'previousValue', 'updatedValue', 'changeType', 'capturedAt', 'changedIn'],
  description: 'one property AWS Config says changed (configurationItemDiff.changedProperties), from its first-seen value to its value now',
  properties: {
    property: {
      type: 'string',
      description:
        'the property path as Config spells it, e.g. `Configuration.State.Name`; `(resource)` for a deletion, `(unknown change)` when Config sent no diff',
    },
    previousValue: { description: 'its value when driftwarden first saw it change (any JSON; null: it did not exist)' },
    updatedValue: { description: 'its value now (any JSON; null: it no longer exists)' },
    changeType: { type: 'string', enum: ['CREATE', 'UPDATE', 'DELETE'] },
    capturedAt: { type: 'string', format: 'date-time', description: 'capture time of the Config item whose change made the current value' },
    changedIn: { type: 'string', description: 'internal id of that Config item' },
    since: { type: 'string', format: 'date-time', description: 'calls before this time cannot have made it (the previous change seen)' },
  },
};

export const observedSchemas: KindSchemas = {
  diff: {
    type: 'object',
    required: ['equal', 'changes'],
    description:
      "an observed resource (resource.kind `observed`: in a stack's Terraform state, of a type no kind models): what AWS Config says changed and is still so; never reverted",
    properties: { equal: { type: 'boolean' }, changes: { type: 'array', items: change } },
  },
  detail: change,
};
