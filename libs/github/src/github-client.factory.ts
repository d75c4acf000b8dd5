/**
 * Builds the Octokit client the GitHub adapter owns: `@octokit/rest` with the retry and
 * throttling plugins, token or GitHub App installation auth, `baseUrl` from config (GitHub
 * Enterprise: `https://ghe.example.com/api/v3`, plain http allowed), a per-attempt request
 * timeout, user agent `driftwarden`, API version `2022-11-28`, and a counter of HTTP requests.
 *
 * Retries and waits:
 * - 5xx, timeouts and network errors: the retry plugin, `retries` times (waits 1, 4, 9… units);
 * - rate limits: the throttling plugin waits out a primary (`x-ratelimit-reset`) or secondary
 *   (`retry-after`) limit at most `rateLimitRetries` times and only when the wait is at most
 *   `maxRateLimitWaitMs`; otherwise the call fails with `github_rate_limited` and `retryAfterMs`,
 *   so the job is retried later instead of holding a worker;
 * - writes are spaced by `writeSpacingMs` (GitHub: at least one second between mutating requests).
 * `backoffUnitMs` is the unit of every plugin wait (1000: a `retry-after: 2` waits 2 s); tests set 1.
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { GithubConfig } from '@driftwarden/config';
import { PermanentError } from '@driftwarden/domain';
import { GITHUB_ERROR_CODES } from './github.errors';
import type { GitHubCall } from './github-repo-client.port';

export const GITHUB_API_VERSION = '2022-11-28';
export const GITHUB_USER_AGENT = 'driftwarden';
export const GITHUB_DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const GITHUB_DEFAULT_RETRIES = 3;
export const GITHUB_DEFAULT_RATE_LIMIT_RETRIES = 1;
export const GITHUB_DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 60_000;
export const GITHUB_DEFAULT_WRITE_SPACING_MS = 1000;

/** Statuses the retry plugin must leave alone: client errors, and rate limits (the throttling plugin's). */
const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];

export type GitHubAuth =
  /** A fine-grained PAT or an installation token. */
  | { type: 'token'; token: string }
  /** A GitHub App: installation tokens are minted (and cached) by `@octokit/auth-app`. */
  | { type: 'app'; appId: number | string; privateKey: string; installationId: number | string };

export interface GitHubLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface GitHubClientOptions {
  /** `https://api.github.com`, or a GitHub Enterprise base such as `https://ghe.example.com/api/v3`. */
  apiUrl: string;
  auth: GitHubAuth;
  /** Per HTTP attempt, headers and body. Default 10 s. */
  requestTimeoutMs?: number;
  /** Retries of 5xx, timeouts and network errors. Default 3. */
  retries?: number;
  /** How many times a rate limit is waited out in process. Default 1. */
  rateLimitRetries?: number;
  /** Longer waits are not made in process: the call fails with `retryAfterMs`. Default 60 s. */
  maxRateLimitWaitMs?: number;
  /** Minimum time between two mutating requests. Default 1000 ms (GitHub's guidance); 0 in tests. */
  writeSpacingMs?: number;
  /** Unit of the plugins' waits. Default 1000 (real seconds); tests use 1 to keep waits tiny. */
  backoffUnitMs?: number;
  /** Attempts of `commitFiles` when the branch moved (stale SHA). Default 3. */
  maxCommitAttempts?: number;
  /** How long labels known to exist are remembered per repository. Default 10 minutes. */
  labelCacheTtlMs?: number;
  /** Every HTTP request (retries and token exchanges included), without headers or bodies. */
  onCall?: (call: GitHubCall) => void;
  /** Default: warnings and errors only, to the console. */
  logger?: GitHubLogger;
  /** Clock for rate-limit arithmetic. Default `Date.now`. */
  now?: () => number;
}

/** Options from the validated `github:` config block (token auth). */
export function gitHubClientOptionsFromConfig(
  config: GithubConfig,
  overrides: Partial<Omit<GitHubClientOptions, 'apiUrl'>> = {},
): GitHubClientOptions {
  return { apiUrl: config.apiUrl, auth: { type: 'token', token: config.token }, ...overrides };
}

const GitHubOctokitClass = Octokit.plugin(retry, throttling);
export type GitHubOctokit = InstanceType<typeof GitHubOctokitClass>;

/** The Octokit client plus what the adapter needs around it. */
export interface GitHubApi {
  readonly octokit: GitHubOctokit;
  /** HTTP requests made so far (every attempt). */
  readonly stats: { calls: number };
  /** Values that must never appear in a message (the token or private key). */
  readonly secrets: readonly string[];
  readonly now: () => number;
  readonly options: GitHubClientOptions;
}

const noop = (): void => undefined;
const consoleLogger: GitHubLogger = {
  debug: noop,
  info: noop,
  warn: (message) => console.warn(`[driftwarden/github] ${message}`),
  error: (message) => console.error(`[driftwarden/github] ${message}`),
};

function atLeast(value: number | undefined, fallback: number, key: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new PermanentError(`GitHub client option ${key}: expected a number ≥ ${min}, found ${value}`, GITHUB_ERROR_CODES.config);
  }
  return value;
}

function baseUrlOf(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new PermanentError('GitHub client option apiUrl: expected an http:// or https:// URL', GITHUB_ERROR_CODES.config);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new PermanentError(
      'GitHub client option apiUrl: expected an http:// or https:// base URL without query string or credentials',
      GITHUB_ERROR_CODES.config,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A fetch that aborts each attempt after `timeoutMs` and reports it (method, path, status, duration). */
function countingFetch(timeoutMs: number, stats: { calls: number }, onCall: ((call: GitHubCall) => void) | undefined): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (init?.signal) signals.push(init.signal);
    let status = 0;
    try {
      const response = await fetch(input, { ...init, signal: AbortSignal.any(signals) });
      status = response.status;
      return response;
    } finally {
      stats.calls += 1;
      onCall?.({ method, path: `${url.pathname}${url.search}`, status, durationMs: performance.now() - started });
    }
  };
}

/** Builds the Octokit client (nothing is requested until the first call). */
export function createGitHubApi(options: GitHubClientOptions): GitHubApi {
  const baseUrl = baseUrlOf(options.apiUrl);
  const timeoutMs = atLeast(options.requestTimeoutMs, GITHUB_DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs', 1);
  const retries = atLeast(options.retries, GITHUB_DEFAULT_RETRIES, 'retries');
  const rateLimitRetries = atLeast(options.rateLimitRetries, GITHUB_DEFAULT_RATE_LIMIT_RETRIES, 'rateLimitRetries');
  const maxRateLimitWaitMs = atLeast(options.maxRateLimitWaitMs, GITHUB_DEFAULT_MAX_RATE_LIMIT_WAIT_MS, 'maxRateLimitWaitMs');
  const writeSpacingMs = atLeast(options.writeSpacingMs, GITHUB_DEFAULT_WRITE_SPACING_MS, 'writeSpacingMs');
  const backoffUnitMs = atLeast(options.backoffUnitMs, 1000, 'backoffUnitMs');
  const logger = options.logger ?? consoleLogger;
  const now = options.now ?? Date.now;
  const stats = { calls: 0 };

  const auth = options.auth;
  let secrets: string[];
  let authOptions: Record<string, unknown>;
  if (auth.type === 'token') {
    if (auth.token.length === 0)
      throw new PermanentError('GitHub client option auth.token: expected a token, found an empty string', GITHUB_ERROR_CODES.config);
    secrets = [auth.token];
    authOptions = { auth: auth.token };
  } else {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(auth.privateKey)) {
      throw new PermanentError('GitHub client option auth.privateKey: expected a PEM private key', GITHUB_ERROR_CODES.config);
    }
    secrets = [auth.privateKey];
    authOptions = {
      authStrategy: createAppAuth,
      auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: auth.installationId },
    };
  }

  // The throttling plugin's default write groups are shared by every client in the process and
  // space writes by 1 s (3 s for PR/issue creation); other spacings get groups of their own.
  const spacing =
    writeSpacingMs === GITHUB_DEFAULT_WRITE_SPACING_MS
      ? {}
      : {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeSpacingMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: writeSpacingMs * 3 }),
        };
  const describe = (o: { method: string; url: string }): string => `${o.method} ${o.url}`;

  const octokit = new GitHubOctokitClass({
    ...authOptions,
    baseUrl,
    userAgent: GITHUB_USER_AGENT,
    log: logger,
    request: { fetch: countingFetch(timeoutMs, stats, options.onCall) },
    retry: { retries, doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: backoffUnitMs },
    throttle: {
      retryAfterBaseValue: backoffUnitMs,
      ...spacing,
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        const wait = retryCount < rateLimitRetries && retryAfter * 1000 <= maxRateLimitWaitMs;
        logger.warn(
          `primary rate limit on ${describe(request)}: ${wait ? `retrying after ${retryAfter}s` : `not waiting ${retryAfter}s in process`}`,
        );
        return wait;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        const wait = retryCount < rateLimitRetries && retryAfter * 1000 <= maxRateLimitWaitMs;
        logger.warn(
          `secondary rate limit on ${describe(request)}: ${wait ? `retrying after ${retryAfter}s` : `not waiting ${retryAfter}s in process`}`,
        );
        return wait;
      },
    },
  });
  octokit.hook.before('request', (request) => {
    request.headers['x-github-api-version'] = GITHUB_API_VERSION;
  });
  return { octokit, stats, secrets, now, options };
}
