export * from './github-backport.adapter';
export * from './locate-code';
export * from './record-marker';
export * from './github-stack-code';
