import type { ExecutorDeps, KindRegistration } from '../kind';
import { S3BucketBackportEditor } from './backport/editor';
import { S3_BUCKET_IAM_ACTIONS, S3BucketRemediation } from './executor/s3-bucket-remediation.adapter';
import { s3BucketSchemas } from './openapi';
import { S3BucketKind } from './s3-bucket.kind';
import { createS3BucketClientProvider } from './s3-clients';
import { bucketDesired, bucketStateKind } from './state';
import { bucketReconcile } from './reconcile';

/** The S3 bucket (public access block) kind, registered (libs/kinds/src/registry.ts lists it). */
export function s3BucketRegistration(): KindRegistration {
  return {
    kind: new S3BucketKind(),
    state: bucketStateKind,
    editor: new S3BucketBackportEditor(),
    schemas: s3BucketSchemas,
    iamActions: [...S3_BUCKET_IAM_ACTIONS],
    reconcile: bucketReconcile,
    executor: (deps: ExecutorDeps) =>
      new S3BucketRemediation(
        createS3BucketClientProvider({
          requestTimeoutMs: deps.requestTimeoutMs,
          ...(deps.credentialsFor ? { credentialsFor: deps.credentialsFor } : {}),
        }),
      ),
    desired: (index, resource) => bucketDesired(index, resource),
  };
}
