/**
 * Secrets out of everything that is printed: `redactConfig` for logs and `describeConfig` for
 * the start-up summary.
 */
import { stringify } from 'yaml';
import { parseUrl, SECRET_KEYS, type DriftwardenConfig } from './config.schema';

export const REDACTED = '[redacted]';

/**
 * A deep copy with every secret replaced by `[redacted]`: PagerDuty `token` and
 * `webhookSecrets`, Opsgenie `apiKey` and `webhookToken`, GitHub `token` and `webhookSecret`,
 * and the password of any URL (`redis://:password@host`).
 */
export function redactConfig(config: DriftwardenConfig): DriftwardenConfig {
  const copy = structuredClone(config);
  copy.redis.url = redactUrl(copy.redis.url);
  const pagerduty = copy.incidents.pagerduty;
  if (pagerduty) {
    pagerduty.token = REDACTED;
    pagerduty.webhookSecrets = pagerduty.webhookSecrets.map(() => REDACTED);
    pagerduty.apiUrl = redactUrl(pagerduty.apiUrl);
  }
  const opsgenie = copy.incidents.opsgenie;
  if (opsgenie) {
    opsgenie.apiKey = REDACTED;
    if (opsgenie.webhookToken !== undefined) opsgenie.webhookToken = REDACTED;
    opsgenie.apiUrl = redactUrl(opsgenie.apiUrl);
  }
  if (copy.github) {
    copy.github.token = REDACTED;
    copy.github.webhookSecret = REDACTED;
    copy.github.apiUrl = redactUrl(copy.github.apiUrl);
  }
  if (copy.ingest.sqs) copy.ingest.sqs.queueUrl = redactUrl(copy.ingest.sqs.queueUrl);
  // A webhook URL is its own credential (Slack's carry the token in the path).
  for (const hook of copy.notifications.webhooks) {
    hook.url = REDACTED;
    if (hook.secret !== undefined) hook.secret = REDACTED;
  }
  // And every other value under a secret key, wherever it is (aws.assumeRole.externalId, and
  // any secret added later): a new key in SECRET_KEYS cannot be forgotten here.
  scrubSecrets(copy);
  return copy;
}

/** The URL with its password (if any) replaced; anything unparsable is redacted whole. */
export function redactUrl(value: string): string {
  const url = parseUrl(value);
  if (!url) return REDACTED;
  if (url.password === '') return value;
  const user = url.username ? decodeURIComponent(url.username) : '';
  return `${url.protocol}//${user}:${REDACTED}@${url.host}${url.pathname === '/' && !value.endsWith('/') ? '' : url.pathname}${url.search}${url.hash}`;
}

/** The effective configuration as YAML, secrets redacted: for `driftwarden config` and start-up logs. */
export function describeConfig(config: DriftwardenConfig): string {
  return stringify(redactConfig(config), { lineWidth: 0 });
}

/** Replaces, in place, every value under a `SECRET_KEYS` key (URL keys were handled above, by kind). */
function scrubSecrets(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) scrubSecrets(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(obj)) {
    if (SECRET_KEYS.has(key) && key !== 'url' && value !== undefined && value !== null) {
      obj[key] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
    } else {
      scrubSecrets(value);
    }
  }
}
