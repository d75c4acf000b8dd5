export * from './cloudtrail-attribution.adapter';
export * from './cloudtrail-lookup.adapter';
