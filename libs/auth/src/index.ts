export * from './token-registry';
export * from './auth.guard';
export * from './auth-failure-limiter';
