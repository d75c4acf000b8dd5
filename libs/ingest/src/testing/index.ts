/** The ingest stand-ins: `@driftwarden/ingest/testing` (never the product entry point). */
export * from './config-item-fetcher.fake';
