export * from './slack-signature';
export * from './slack-payloads';
export * from './slack-messages';
export * from './slack-client';
