export * from './github-backport.adapter';
export * from './locate-code';
export * from './sample-drift';
export * from './record-marker';
