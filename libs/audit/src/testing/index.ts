export * from './kms-stand-in';
export * from './s3-stand-in';
