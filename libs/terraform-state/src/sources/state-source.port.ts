/**
 * Where a stack's Terraform state comes from (S3 backend object or local file). A read is
 * conditional: given the version last read, an unchanged state is not transferred again.
 */

/** An opaque version of the state's bytes: the S3 ETag, or a file's mtime and size. */
export type StateVersion = string;

export type StateReadResult =
  | { status: 'unchanged'; version: StateVersion }
  | { status: 'changed'; body: string; version?: StateVersion };

export interface StateSource {
  /** For messages and status: `s3://bucket/key`, `file:/path/terraform.tfstate`. */
  readonly origin: string;
  /**
   * Reads the state unless its version is still `previous`. Throws TransientError (retry may
   * help: throttling, 5xx, timeouts, network) or PermanentError (access denied, missing).
   */
  read(previous?: StateVersion, options?: { signal?: AbortSignal }): Promise<StateReadResult>;
}
