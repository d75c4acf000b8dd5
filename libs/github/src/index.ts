export * from './github-repo-client.port';
export * from './github-repo-client.adapter';
export * from './github-client.factory';
export * from './github.errors';
export * from './webhooks/github-webhook';
