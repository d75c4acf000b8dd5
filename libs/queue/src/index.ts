export * from './job-catalogue';
export * from './job-producer';
export * from './worker-factory';
export * from './concurrency-limit';
