export * from './policy.errors';
export * from './policy-schema';
export * from './policy-set';
export * from './local-time';
export * from './cedar-policies';
export * from './policy-fixtures';
