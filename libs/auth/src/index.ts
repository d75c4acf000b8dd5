export * from './token-registry';
export * from './auth.guard';
