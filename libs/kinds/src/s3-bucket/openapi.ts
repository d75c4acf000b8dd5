/** How the S3 bucket kind's record shapes read in the API's OpenAPI document. */
import type { KindSchemas } from '../kind';

const flag = { type: 'string', enum: ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] };

export const s3BucketSchemas: KindSchemas = {
  diff: {
    type: 'object',
    required: ['equal', 'flags', 'attributes'],
    description: "an S3 bucket's public access block (resource.kind `s3-bucket`): the flags whose live value differs from the code",
    properties: {
      equal: { type: 'boolean' },
      flags: {
        type: 'array',
        items: {
          type: 'object',
          required: ['flag', 'live', 'desired'],
          properties: { flag, live: { type: 'boolean' }, desired: { type: 'boolean' } },
        },
      },
      attributes: { type: 'array', items: { type: 'object' } },
    },
  },
  detail: {
    type: 'object',
    required: ['flag', 'live', 'desired', 'bucket'],
    description: 'one public access block flag: live and the code (aws_s3_bucket_public_access_block); off widens exposure',
    properties: { flag, live: { type: 'boolean' }, desired: { type: 'boolean' }, bucket: { type: 'string' } },
  },
};
