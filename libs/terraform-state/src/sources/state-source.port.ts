/**
 * Where a stack's Terraform state comes from (S3 backend object or local file). A read is
 * conditional: given the version last read, an unchanged state is not transferred again. A
 * changed state's body is a stream, consumed once by the state reader (never held whole).
 */
import type { StateBody } from '../state/read-state-stream';

/** An opaque version of the state's bytes: the S3 ETag, or a file's mtime and size. */
export type StateVersion = string;

export type StateReadResult =
  | { status: 'unchanged'; version: StateVersion }
  | {
      status: 'changed';
      /** The state's bytes. A stream must be consumed or destroyed (an S3 body holds a connection). */
      body: StateBody;
      version?: StateVersion;
      /** The body's size in bytes, when the source knows it before reading (ContentLength, file size). */
      size?: number;
    };

export interface StateSource {
  /** For messages and status: `s3://bucket/key`, `file:/path/terraform.tfstate`. */
  readonly origin: string;
  /**
   * Reads the state unless its version is still `previous`. Throws TransientError (retry may
   * help: throttling, 5xx, timeouts, network) or PermanentError (access denied, missing); the
   * body's stream throws the same classes when the transfer fails half-way.
   */
  read(previous?: StateVersion, options?: { signal?: AbortSignal }): Promise<StateReadResult>;
}
