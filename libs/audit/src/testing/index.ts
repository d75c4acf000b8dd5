export * from './kms-stand-in';
