export * from './ports';
export * from './adapters/not-installed.adapters';
export * from './adapters/dry-run-guard';
export * from './ingest/ingest.service';
export * from './evaluate/evaluate.service';
export * from './remediate/remediate.service';
export * from './backport/backport.service';
export * from './reconcile/reconcile.service';
