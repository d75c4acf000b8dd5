/** Fixtures and helpers for this library's specs (not part of the library's build or exports). */
import { ConfigError, type ConfigProblem } from '../src/config.errors';
import type { DriftwardenConfig } from '../src/config.schema';
import type { Env } from '../src/env-references';
import { parseConfig } from '../src/load-config';

export const SOURCE = 'driftwarden.yaml';
export const BASE_DIR = '/etc/driftwarden';

export function parse(yaml: string, env: Env = {}): DriftwardenConfig {
  return parseConfig(yaml, { env, source: SOURCE, baseDir: BASE_DIR });
}

/** The ConfigError that parsing throws; fails the test when parsing succeeds. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

export function problemsOf(yaml: string, env: Env = {}): ConfigProblem[] {
  return configErrorOf(() => parse(yaml, env)).problems;
}

/** The example of DESIGN.md §8, verbatim except the `<hex>` placeholder. */
export const DESIGN_EXAMPLE = `
mode: enforce                  # enforce | dry-run
redis: { url: env:REDIS_URL, prefix: dw }       # default redis://127.0.0.1:6379
api:
  port: 8080                   # PORT overrides
  tokens:                      # bearer tokens, stored as sha256 hex
    - { name: oncall, sha256: "${'ab'.repeat(32)}", role: operator, identity: alice@example.com }   # viewer | ingest | operator | admin
ingest:
  sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/111122223333/driftwarden" }  # optional
incidents:
  pollIntervalSeconds: 30
  maxStalenessSeconds: 90      # older snapshot = unknown = frozen
  cooldownMinutes: 30
  lookbackMinutes: 15
  pagerduty:
    token: env:PAGERDUTY_TOKEN
    apiUrl: https://api.pagerduty.com
    webhookSecrets: [env:PAGERDUTY_WEBHOOK_SECRET]
    major: { priorities: [P1, P2], urgencies: [high] }
    scopes: { PSVC123: { accounts: ["111122223333"] } }   # optional; default: global
  opsgenie:
    apiKey: env:OPSGENIE_API_KEY
    apiUrl: https://api.opsgenie.com
    webhookToken: env:OPSGENIE_WEBHOOK_TOKEN
    major: { priorities: [P1, P2] }
freezeWindows:
  - { name: year-end, schedule: "0 18 20 12 *", duration: 14d, timeZone: Europe/Berlin,
      scope: { accounts: ["111122223333"] } }
principals:                    # ARN glob patterns
  iac: ["arn:aws:sts::*:assumed-role/terraform-apply/*"]
  breakGlass: ["arn:aws:sts::*:assumed-role/BreakGlass*/*"]
  self: ["arn:aws:sts::*:assumed-role/driftwarden/*"]    # the controller's own changes
stacks:
  - name: network
    accounts: ["111122223333"]
    regions: [eu-west-1]
    state: { s3: { bucket: tf-state, key: network/terraform.tfstate, region: eu-west-1 } }
    # or state: { file: ./state/network.tfstate }
    repo: { owner: acme, name: infra, baseBranch: main, path: terraform/network }
guardrails:
  settleSeconds: 120
  approvalTtlMinutes: 60
  critical: { tags: { tier: critical } }
github:
  apiUrl: https://api.github.com
  token: env:GITHUB_TOKEN
  webhookSecret: env:GITHUB_WEBHOOK_SECRET
`;

/** Distinctive secret values, so a test can prove none of them is ever printed. */
export const SECRET_ENV = {
  REDIS_URL: 'redis://:redis-password-7f3a@redis.internal:6379',
  PAGERDUTY_TOKEN: 'pd-token-secret-1a2b',
  PAGERDUTY_WEBHOOK_SECRET: 'pd-webhook-secret-3c4d',
  OPSGENIE_API_KEY: 'og-api-key-secret-5e6f',
  OPSGENIE_WEBHOOK_TOKEN: 'og-webhook-token-secret-7a8b',
  GITHUB_TOKEN: 'ghp_githubtokensecret9c0d',
  GITHUB_WEBHOOK_SECRET: 'gh-webhook-secret-1e2f',
} as const;

export const SECRET_VALUES: readonly string[] = [...Object.values(SECRET_ENV), 'redis-password-7f3a'];
