import { Controller, Get, Inject } from '@nestjs/common';
import { RequireRole } from '@driftwarden/auth';
import type { SignatureVerifier } from '@driftwarden/audit';
import { AuditLog, type ChainVerdict } from '@driftwarden/store';
import { SIGNATURE_VERIFIER } from './audit-keys';

@Controller('v1/audit/verify')
export class AuditVerifyController {
  constructor(
    private readonly audit: AuditLog,
    @Inject(SIGNATURE_VERIFIER) private readonly verifier: SignatureVerifier,
  ) {}

  /**
   * Checks the retained chain from its oldest entry to the head, and each checkpoint's signature
   * with the configured keys; names the first broken entry (README "Tamper-evident audit").
   */
  @Get()
  @RequireRole('viewer')
  async verify(): Promise<ChainVerdict> {
    return this.audit.verify(this.verifier);
  }
}
