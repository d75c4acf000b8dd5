export * from './cloudtrail-attribution.adapter';
