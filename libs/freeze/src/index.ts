export * from './freeze.types';
export * from './effective-freeze';
export * from './freeze-store';
export * from './freeze.service';
export * from './incident-poller';
export * from './incident-order';
