export * from './redis-connection';
export * from './keys';
export * from './redis-errors';
export * from './redis-monitor';
export * from './lease';
export * from './write-coalescing';
