/**
 * @driftwarden/kinds/s3-bucket: the S3 bucket public access block kind (AWS::S3::Bucket). The
 * flag model, the Config item and Terraform state readers, differences with direction, the revert
 * executor over the S3 API and the in-place HCL backport editor.
 */
export * from './model';
export * from './state';
export * from './s3-bucket.kind';
export {
  S3_BUCKET_REMEDIATION_OPERATIONS,
  S3_BUCKET_IAM_ACTIONS,
  S3_AFTER_STATE_SOURCE,
  S3BucketRemediation,
  type S3ClientProvider,
} from './executor/s3-bucket-remediation.adapter';
export { createS3BucketClientProvider } from './s3-clients';
export { editBlockFlags, readBlockFlags } from './hcl/public-access-block-edit';
export { S3BucketBackportEditor } from './backport/editor';
export { s3BucketRegistration } from './registration';
