/**
 * The S3 bucket kind's part of the Terraform state index: `aws_s3_bucket_public_access_block`
 * by `bucket` (the bucket's name, which is the Config item's resource id).
 */
import type { JsonObject, ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup } from '@driftwarden/pipeline';
import {
  locationFromArn,
  locationMatches,
  type DesiredStateIndex,
  type StateInstance,
  type StateKind,
  type StateLocation,
} from '@driftwarden/terraform-state';
import { readPublicAccessBlock, TF_PUBLIC_ACCESS_BLOCK, type PublicAccessBlock } from './model';

export interface BucketStateEntry {
  stack: string;
  address: string;
  bucket: string;
  location: StateLocation;
  tainted: boolean;
  block: PublicAccessBlock;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function bucketEntry(instance: StateInstance): BucketStateEntry | undefined {
  if (instance.type !== TF_PUBLIC_ACCESS_BLOCK) return undefined;
  const a = instance.attributes;
  const bucket = str(a['bucket']) ?? str(a['id']);
  if (!bucket) return undefined;
  // Buckets are global: the provider v6 `region` attribute or identity says where it was managed from.
  const account = str(instance.identity?.['account_id']) ?? locationFromArn(str(a['arn'])).account;
  const region = str(a['region']) ?? str(instance.identity?.['region']);
  return {
    stack: instance.stack,
    address: instance.address,
    bucket,
    location: { ...(account ? { account } : {}), ...(region ? { region } : {}) },
    tainted: instance.tainted,
    block: readPublicAccessBlock(a, instance.address),
  };
}

export class BucketStateIndex {
  private readonly byBucket = new Map<string, BucketStateEntry[]>();
  constructor(entries: readonly BucketStateEntry[]) {
    for (const e of entries) {
      const list = this.byBucket.get(e.bucket);
      if (list) list.push(e);
      else this.byBucket.set(e.bucket, [e]);
    }
  }
  get size(): number {
    return this.byBucket.size;
  }
  entriesFor(bucket: string): readonly BucketStateEntry[] {
    return this.byBucket.get(bucket) ?? [];
  }
  /** Every entry (the reconciling sweep enumerates them). */
  *entries(): IterableIterator<BucketStateEntry> {
    for (const list of this.byBucket.values()) yield* list;
  }
}

export const bucketStateKind: StateKind<BucketStateEntry, BucketStateIndex> = {
  name: 's3-bucket',
  terraformTypes: [TF_PUBLIC_ACCESS_BLOCK],
  extract: bucketEntry,
  index: (_stack, entries) => new BucketStateIndex(entries),
  count: (index) => index.size,
};

export interface BucketDesiredAttributes {
  publicAccessBlock: PublicAccessBlock;
  warnings: string[];
}

/**
 * The desired public access block of a bucket: the `aws_s3_bucket_public_access_block` for it in
 * a stack covering the account and region. A bucket whose block no stack declares is not
 * managed by this kind (the bucket's other properties are not its business), whatever else the
 * stacks declare about the bucket.
 */
export async function bucketDesired(index: DesiredStateIndex, resource: ResourceRef): Promise<DesiredLookup> {
  const { stacks, indexes } = await index.kindIndexes(bucketStateKind, resource.account, resource.region);
  if (stacks.length === 0)
    return { managed: false, reason: `no configured stack covers account ${resource.account} in ${resource.region}` };
  const found: BucketStateEntry[] = [];
  for (const { index: i } of indexes) {
    for (const e of i.entriesFor(resource.id)) if (locationMatches(e.location, resource.account, resource.region)) found.push(e);
  }
  const first = found[0];
  if (!first) {
    return {
      managed: false,
      reason: `no ${TF_PUBLIC_ACCESS_BLOCK} for bucket ${resource.id} in the Terraform state of a stack covering account ${resource.account} in ${resource.region} (checked ${stacks.map((s) => `"${s}"`).join(', ')})`,
    };
  }
  const warnings: string[] = [];
  if (found.length > 1)
    warnings.push(
      `${found.length} ${TF_PUBLIC_ACCESS_BLOCK} resources declare bucket ${resource.id} (${found.map((f) => f.address).join(', ')}): the first is used`,
    );
  if (first.tainted) warnings.push(`${first.address} is tainted: the next apply replaces it`);
  const attributes: BucketDesiredAttributes = { publicAccessBlock: first.block, warnings };
  return { managed: true, stack: first.stack, address: first.address, attributes: attributes as unknown as JsonObject };
}
