/**
 * The Slack Web API through Slack's SDK (`@slack/web-api`): chat.postMessage, chat.update,
 * chat.postEphemeral and views.open. Failures are classified for the queue: rate limits (with
 * Slack's Retry-After), timeouts, network errors and 5xx are transient; any other platform
 * error (`channel_not_found`, `invalid_auth`, `invalid_blocks`, …) is permanent. The SDK's own
 * retries are off: the notify queue retries with back-off and records a delivery that fails for good.
 */
import { ErrorCode, LogLevel, WebClient, type CodedError, type Logger } from '@slack/web-api';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { Block } from './slack-messages';

export abstract class SlackClient {
  abstract postMessage(channel: string, message: { text: string; blocks: Block[] }): Promise<{ channel: string; ts: string }>;
  abstract updateMessage(channel: string, ts: string, message: { text: string; blocks: Block[] }): Promise<void>;
  abstract postEphemeral(channel: string, user: string, text: string): Promise<void>;
  abstract openView(triggerId: string, view: Block): Promise<void>;
}

const QUIET: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export class WebApiSlackClient extends SlackClient {
  private readonly web: WebClient;

  constructor(opts: { token: string; apiUrl: string; timeoutMs: number }) {
    super();
    this.web = new WebClient(opts.token, {
      slackApiUrl: opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`,
      timeout: opts.timeoutMs,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // Failures are classified and logged by the caller (the notify queue), not printed by the SDK.
      logger: QUIET,
      logLevel: LogLevel.ERROR,
    });
  }

  async postMessage(channel: string, message: { text: string; blocks: Block[] }): Promise<{ channel: string; ts: string }> {
    const res = await this.call('chat.postMessage', () =>
      this.web.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never, unfurl_links: false }),
    );
    if (typeof res.ts !== 'string' || typeof res.channel !== 'string')
      throw new TransientError('Slack chat.postMessage: no channel or ts in the answer', 'slack_malformed');
    return { channel: res.channel, ts: res.ts };
  }

  async updateMessage(channel: string, ts: string, message: { text: string; blocks: Block[] }): Promise<void> {
    await this.call('chat.update', () => this.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never }));
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.call('chat.postEphemeral', () => this.web.chat.postEphemeral({ channel, user, text }));
  }

  async openView(triggerId: string, view: Block): Promise<void> {
    await this.call('views.open', () => this.web.views.open({ trigger_id: triggerId, view: view as never }));
  }

  private async call<T extends { ok?: boolean; error?: string }>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw classify(method, err);
    }
  }
}

/** An SDK error as a domain error (never with the token: the SDK's messages do not carry it). */
export function classify(method: string, err: unknown): Error {
  const e = err as CodedError & { retryAfter?: number; statusCode?: number; data?: { error?: string } };
  const what = `Slack ${method}`;
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return new TransientError(
        `${what}: rate limited`,
        'slack_rate_limited',
        e.retryAfter !== undefined ? { retryAfterMs: e.retryAfter * 1000 } : undefined,
      );
    case ErrorCode.RequestError:
      return new TransientError(`${what}: no answer (${e.message})`, 'slack_unreachable');
    case ErrorCode.HTTPError:
      return (e.statusCode ?? 500) >= 500
        ? new TransientError(`${what}: HTTP ${e.statusCode}`, 'slack_unavailable')
        : new PermanentError(`${what}: refused with HTTP ${e.statusCode}`, 'slack_refused');
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      return TRANSIENT_PLATFORM_ERRORS.has(code)
        ? new TransientError(`${what}: ${code}`, 'slack_unavailable')
        : new PermanentError(`${what}: ${code}`, 'slack_refused');
    }
    default:
      return new TransientError(`${what}: ${err instanceof Error ? err.message : String(err)}`, 'slack_unreachable');
  }
}
