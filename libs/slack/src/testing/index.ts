export * from './slack.fake';
