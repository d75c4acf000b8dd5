import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES, type DriftwardenConfig, type Role } from '@driftwarden/config';
import { writeCheckpoint, type CheckpointOutcome, type CheckpointSigner } from '@driftwarden/audit';
import type { Logger } from '@driftwarden/observability';
import { AuditLog } from '@driftwarden/store';
import { CLOCK, LOGGER } from '../core/tokens';
import { CHECKPOINT_SIGNER } from './audit-keys';

/**
 * Signs the audit chain head every `audit.checkpoints.every` (role `scheduler`; README
 * "Tamper-evident audit"). A failed signing (KMS unreachable) is logged and tried at the next
 * tick; it never touches a decision.
 */
@Injectable()
export class AuditCheckpointHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    @Inject(DRIFTWARDEN_CONFIG) private readonly config: DriftwardenConfig,
    @Inject(DRIFTWARDEN_ROLES) private readonly roles: Role[],
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: () => Date,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner | null,
    private readonly audit: AuditLog,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.signer || !this.roles.includes('scheduler')) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = null));
    }, this.config.audit.checkpoints.everyMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One checkpoint now (also used by tests and the demo). */
  async tick(): Promise<CheckpointOutcome | null> {
    if (!this.signer) return null;
    try {
      const outcome = await writeCheckpoint(this.audit, this.signer, this.clock);
      if ('written' in outcome) this.logger.debug({ seq: outcome.written.seq, alg: outcome.written.alg }, 'audit checkpoint signed');
      return outcome;
    } catch (err) {
      this.logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        'audit checkpoint not signed: tried again at the next tick',
      );
      return null;
    }
  }
}
