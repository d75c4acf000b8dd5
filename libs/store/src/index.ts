export * from './audit-log';
export * from './drift-store';
export * from './item-ledger';
export * from './cloudtrail-store';
export * from './quarantine-store';
export * from './capped-hash';
export * from './retention';
export * from './audit-chain';
export { AUDIT_CHAIN_LUA } from './audit-chain.lua';
