import { Module, type DynamicModule } from '@nestjs/common';
import { DRIFTWARDEN_CONFIG, type DriftwardenConfig } from '@driftwarden/config';
import { S3ExportStore, auditKeysOf, createExportS3Client, type AuditKeys } from '@driftwarden/audit';
import { AuditCheckpointHost } from './audit-checkpoint-host.service';
import { AuditExportHost } from './audit-export-host.service';
import { AuditExportRestore, EXPORT_OBJECT_STORE } from './audit-export-restore.service';
import { AUDIT_KEYS_TOKEN, CHECKPOINT_SIGNER, SIGNATURE_VERIFIER } from './audit-keys';
import { AuditVerifyController } from './audit-verify.controller';
import { EvidenceController } from './evidence.controller';

/**
 * Evidence that survives (issue 16 §1–§3): signed checkpoints of the audit hash chain, the
 * continuous S3 export and its read-back after a Redis loss, `GET /v1/audit/verify` and
 * `GET /v1/drifts/:id/evidence` (role `api`).
 */
@Module({})
export class AuditModule {
  static forRoot(opts: { api: boolean }): DynamicModule {
    return {
      module: AuditModule,
      controllers: opts.api ? [AuditVerifyController, EvidenceController] : [],
      providers: [
        { provide: AUDIT_KEYS_TOKEN, inject: [DRIFTWARDEN_CONFIG], useFactory: (c: DriftwardenConfig) => auditKeysOf(c.audit.checkpoints) },
        { provide: CHECKPOINT_SIGNER, inject: [AUDIT_KEYS_TOKEN], useFactory: (k: AuditKeys) => k.signer },
        { provide: SIGNATURE_VERIFIER, inject: [AUDIT_KEYS_TOKEN], useFactory: (k: AuditKeys) => k.verifier },
        {
          provide: EXPORT_OBJECT_STORE,
          inject: [DRIFTWARDEN_CONFIG],
          useFactory: (c: DriftwardenConfig) => {
            const s3 = c.audit.export.s3;
            // The SDK applies AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the credential chain itself.
            return s3 ? new S3ExportStore(createExportS3Client({ region: s3.region, forcePathStyle: s3.forcePathStyle }), s3.bucket) : null;
          },
        },
        AuditCheckpointHost,
        AuditExportHost,
        AuditExportRestore,
      ],
      exports: [AuditExportRestore, AuditCheckpointHost, CHECKPOINT_SIGNER, SIGNATURE_VERIFIER],
    };
  }
}
