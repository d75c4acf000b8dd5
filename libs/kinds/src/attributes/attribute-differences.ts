/**
 * Differences of kinds whose model is a handful of attributes (an Auto Scaling group's capacity,
 * an instance's protection): each difference is one attribute (or one member of a set attribute)
 * with its live and desired value; the record's diff is the kind-neutral `{ equal, attributes }`.
 */
import type { AttributeDifference, DriftDiff, DriftDifference, JsonObject, JsonValue } from '@driftwarden/domain';
import type { KindSchemas } from '../kind';

/** A difference's `detail`: the Terraform attribute path, and both values (null: absent on that side). */
export interface AttributeDetail {
  attribute: string;
  live: JsonValue;
  desired: JsonValue;
  /** For a member of a set attribute (e.g. one security group of `vpc_security_group_ids`). */
  member?: string;
}

export function attributeDetail(d: { detail: JsonObject }): AttributeDetail {
  const detail = d.detail;
  if (typeof detail['attribute'] !== 'string') throw new Error(`difference detail has no attribute: ${JSON.stringify(detail)}`);
  return {
    attribute: detail['attribute'],
    live: detail['live'] ?? null,
    desired: detail['desired'] ?? null,
    ...(typeof detail['member'] === 'string' ? { member: detail['member'] } : {}),
  };
}

export function detailJson(d: AttributeDetail): JsonObject {
  return { attribute: d.attribute, live: d.live, desired: d.desired, ...(d.member !== undefined ? { member: d.member } : {}) };
}

/** The record's diff for these differences (what is left after some were reverted). */
export function attributeDiffOf(
  differences: readonly Pick<DriftDifference, 'detail'>[],
): DriftDiff & { attributes: AttributeDifference[] } {
  return {
    equal: differences.length === 0,
    attributes: differences.map((d) => {
      const a = attributeDetail(d);
      return { path: a.member !== undefined ? `${a.attribute}[${a.member}]` : a.attribute, live: a.live, desired: a.desired };
    }),
  };
}

/** OpenAPI schemas of an attribute kind's record shapes. */
export function attributeKindSchemas(kind: string, attributes: readonly string[]): KindSchemas {
  // Any JSON value (OpenAPI 3.0 has no union with null without a type): a number, string or boolean, or null when absent on that side.
  const value = { description: 'the value (number, string or boolean); null when absent on that side' };
  return {
    diff: {
      type: 'object',
      required: ['equal', 'attributes'],
      description: `a resource of kind \`${kind}\`: the attributes whose live value differs from the code's (${attributes.join(', ')})`,
      properties: {
        equal: { type: 'boolean' },
        attributes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'live', 'desired'],
            properties: {
              path: { type: 'string', description: 'Terraform attribute path; a set member as `attribute[member]`' },
              live: value,
              desired: value,
            },
          },
        },
      },
    },
    detail: {
      type: 'object',
      required: ['attribute', 'live', 'desired'],
      description: `one differing attribute of a resource of kind \`${kind}\``,
      properties: {
        attribute: { type: 'string', enum: [...attributes] },
        live: value,
        desired: value,
        member: {
          type: 'string',
          description: 'for a set attribute: the member that is only live (live set) or only in the code (desired set)',
        },
      },
    },
  };
}
