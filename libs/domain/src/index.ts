export * from './events';
export * from './errors';
export * from './decision/decide';
export * from './drift/drift-status';
export * from './drift/drift-record';
export * from './scope/scope';
export * from './time/duration';
export * from './principal/classify';
