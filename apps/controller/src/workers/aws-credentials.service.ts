import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { classifyAwsError } from '@driftwarden/aws';
import type { Logger } from '@driftwarden/observability';
import { LOGGER } from '../core/tokens';

export type AwsCredentialsState = 'checking' | 'ok' | 'missing' | 'unavailable';

/** How the credentials are looked for: the SDK's default chain (environment, profile, SSO, ECS task role, instance profile). */
export type CredentialsResolver = () => Promise<unknown>;

export const AWS_CREDENTIALS_RESOLVER = Symbol('AWS_CREDENTIALS_RESOLVER');

/**
 * Whether the controller has AWS credentials at all (issue 11 §1): checked once at start-up, in
 * the background (start-up never waits on an instance-metadata timeout). No credentials is a
 * configuration error, said once at error level with the fix, and in `/readyz` as
 * `aws.error: aws_credentials_missing`; it does not fail readiness (decisions go ahead: CloudTrail
 * LookupEvents is skipped, and a revert fails with `*_missing_credentials`, never retried).
 */
@Injectable()
export class AwsCredentialsCheck implements OnApplicationBootstrap {
  private current: { state: AwsCredentialsState; checkedAt: string | null } = { state: 'checking', checkedAt: null };
  private running: Promise<void> | null = null;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(AWS_CREDENTIALS_RESOLVER) private readonly resolve: CredentialsResolver,
  ) {}

  get status(): { state: AwsCredentialsState; checkedAt: string | null } {
    return this.current;
  }

  onApplicationBootstrap(): void {
    this.running = this.check();
  }

  /** Resolves once the start-up check is done (tests, the demo). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  async check(): Promise<void> {
    try {
      await this.resolve();
      this.current = { state: 'ok', checkedAt: new Date().toISOString() };
    } catch (err) {
      const missing = classifyAwsError(err) === 'missing_credentials';
      this.current = { state: missing ? 'missing' : 'unavailable', checkedAt: new Date().toISOString() };
      const message = err instanceof Error ? err.message : String(err);
      if (missing) {
        this.logger.error(
          { code: 'aws_credentials_missing' },
          'no AWS credentials found (environment, shared config/profile, SSO, ECS task role or instance profile): CloudTrail LookupEvents is skipped (decisions go ahead with what is known) and reverts fail until credentials are configured. Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role.',
        );
      } else {
        this.logger.warn(
          { code: 'aws_credentials_unavailable', err: { message } },
          'AWS credentials could not be resolved at start-up (the SDK retries when a call needs them)',
        );
      }
    }
  }
}

/** The SDK's default provider chain with short timeouts (instance metadata answers at once where it exists). */
export function defaultCredentialsResolver(): CredentialsResolver {
  const provider = fromNodeProviderChain({ timeout: 2_000, maxRetries: 1 });
  return () => provider();
}
