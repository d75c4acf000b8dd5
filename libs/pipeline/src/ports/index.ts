export * from './resource-kind.port';
export * from './desired-state.port';
export * from './attribution.port';
export * from './freeze.port';
export * from './exceptions.port';
export * from './remediation.port';
export * from './backport.port';
export * from './policy.port';
