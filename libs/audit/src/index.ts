export * from './checkpoint-signer';
export * from './checkpoints';
export * from './export/export-lines';
export * from './export/s3-export-store';
export * from './export/audit-exporter';
export * from './export/export-restore';
export * from './evidence/evidence-bundle';
export * from './audit-keys';
