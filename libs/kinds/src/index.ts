/**
 * @driftwarden/kinds: the resource kinds (DESIGN §5), each in its own folder behind one seam
 * (kind.ts), listed in registry.ts. A kind's own API is its sub-path, e.g.
 * `@driftwarden/kinds/security-group`.
 */
export * from './kind';
export * from './registry';
export * from './desired-state.adapter';
export * from './backport';
export * from './remediation.adapter';
export * from './stack-code';
export * from './live-state.adapter';
export * from './reconcile/aggregator-live-state';
