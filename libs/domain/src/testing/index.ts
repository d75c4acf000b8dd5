export * from './drift-builder';
