export * from './redis-connection';
export * from './keys';
