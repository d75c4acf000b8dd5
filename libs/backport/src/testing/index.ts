/** The backport stand-ins: `@driftwarden/backport/testing` (never the product entry point). */
export * from './sample-drift';
