/**
 * @driftwarden/terraform-state/testing: stand-ins for tests and the demo (never imported by
 * product code): Terraform state v4 fixtures and an in-memory state source.
 */
export * from './fixtures';
export * from './state-source.fake';
