import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths never written to logs: tokens, signatures, secrets. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-pagerduty-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-opsgenie-token"]',
  'req.headers["x-driftwarden-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers["svix-signature"]',
  'req.headers.cookie',
  // Secret keys at the top of a log object and up to three levels down (a config object
  // logged whole, `{ incidents: { pagerduty: { token } } }`, is covered).
  ...[
    'token',
    'apiKey',
    'secret',
    'secrets',
    'webhookSecret',
    'webhookSecrets',
    'webhookToken',
    'password',
    'externalId',
    'apiToken',
    'oauthToken',
  ].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'driftwarden' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
