export * from './exceptions-store';
