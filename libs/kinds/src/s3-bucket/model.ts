/**
 * The S3 bucket public access block (AWS::S3::Bucket, `supplementaryConfiguration.
 * PublicAccessBlockConfiguration`; Terraform `aws_s3_bucket_public_access_block`): four flags,
 * each of which, turned off, widens what can reach the bucket's objects. A bucket without a
 * configuration has every flag off (S3 answers NoSuchPublicAccessBlockConfiguration, Config
 * omits the key). Other bucket properties are not this kind's business.
 */
import { PermanentError } from '@driftwarden/domain';

export const S3_BUCKET = 'AWS::S3::Bucket';
export const TF_PUBLIC_ACCESS_BLOCK = 'aws_s3_bucket_public_access_block';

export const FLAGS = ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] as const;
export type Flag = (typeof FLAGS)[number];
export type PublicAccessBlock = Record<Flag, boolean>;

/** Terraform's attribute and the S3 API's member for each flag. */
export const TERRAFORM_NAMES: Readonly<Record<Flag, string>> = {
  blockPublicAcls: 'block_public_acls',
  ignorePublicAcls: 'ignore_public_acls',
  blockPublicPolicy: 'block_public_policy',
  restrictPublicBuckets: 'restrict_public_buckets',
};
export const API_NAMES: Readonly<Record<Flag, 'BlockPublicAcls' | 'IgnorePublicAcls' | 'BlockPublicPolicy' | 'RestrictPublicBuckets'>> = {
  blockPublicAcls: 'BlockPublicAcls',
  ignorePublicAcls: 'IgnorePublicAcls',
  blockPublicPolicy: 'BlockPublicPolicy',
  restrictPublicBuckets: 'RestrictPublicBuckets',
};

/** What each flag does, in words (S3 user guide, "Blocking public access"). */
const MEANING: Readonly<Record<Flag, string>> = {
  blockPublicAcls: 'new public ACLs are refused',
  ignorePublicAcls: 'existing public ACLs are ignored',
  blockPublicPolicy: 'public bucket policies are refused',
  restrictPublicBuckets: 'access through a public policy is limited to AWS services and the account',
};

export const NO_BLOCK: PublicAccessBlock = {
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
};

function flagValue(value: unknown, where: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false' || value === undefined || value === null) return false;
  throw new PermanentError(`${where}: expected true or false, got ${JSON.stringify(value)}`, 's3_bad_public_access_block');
}

/**
 * A public access block from any source: an object whose keys are the flags in camelCase
 * (Config), PascalCase (S3 API, CloudTrail) or snake_case (Terraform), or a JSON string of one
 * (Config's API answers and some notifications carry supplementary values as strings). A missing
 * flag is off, as S3 treats it.
 */
export function readPublicAccessBlock(value: unknown, where: string): PublicAccessBlock {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch (err) {
      throw new PermanentError(
        `${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
        's3_bad_public_access_block',
      );
    }
  }
  if (v === null || v === undefined) return { ...NO_BLOCK };
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new PermanentError(`${where}: expected an object with the four flags, got ${JSON.stringify(v)}`, 's3_bad_public_access_block');
  }
  const o = v as Record<string, unknown>;
  const out = { ...NO_BLOCK };
  for (const flag of FLAGS) {
    const found = [flag, API_NAMES[flag], TERRAFORM_NAMES[flag]].find((k) => Object.prototype.hasOwnProperty.call(o, k));
    out[flag] = flagValue(found ? o[found] : undefined, `${where}.${found ?? flag}`);
  }
  return out;
}

/** `BlockPublicAcls` — the name people see in the console and the API. */
export function flagLabel(flag: Flag): string {
  return API_NAMES[flag];
}

/** `turned off BlockPublicAcls on bucket logs (new public ACLs are no longer refused)`. */
export function flagSentence(flag: Flag, live: boolean, bucket: string): string {
  return live
    ? `turned on ${flagLabel(flag)} on bucket ${bucket} (${MEANING[flag]})`
    : `turned off ${flagLabel(flag)} on bucket ${bucket} (no longer: ${MEANING[flag]})`;
}

/** The record's `diff` for a bucket: the flags that differ. */
export interface BucketDiff {
  equal: boolean;
  flags: { flag: Flag; live: boolean; desired: boolean }[];
  attributes: [];
}

export interface BucketAfterState {
  at: string;
  source: string;
  verified: boolean;
  publicAccessBlock: PublicAccessBlock;
  remaining?: Flag[];
}
