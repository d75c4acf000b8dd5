export * from './audit-log';
export * from './drift-store';
export * from './item-ledger';
export * from './cloudtrail-store';
export * from './quarantine-store';
export * from './capped-hash';
export * from './retention';
export * from './reconcile-status';
