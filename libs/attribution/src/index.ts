export * from './cloudtrail-attribution.adapter';
export * from './cloudtrail-lookup.adapter';
export * from './per-difference';
export * from './cloudtrail-window';
