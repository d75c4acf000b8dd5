/**
 * Errors of reading Terraform state. A state that cannot be parsed will not parse on retry
 * (permanent); a backend that is throttled or down may answer later (transient). Every message
 * names the stack, so an operator knows which state file to look at.
 */
import { DriftwardenError, PermanentError, TransientError } from '@driftwarden/domain';

/**
 * Why the controller cannot read a state: `terraform_state_malformed` (not JSON, or truncated),
 * `terraform_state_unsupported_version` (not format version 4), `terraform_state_invalid` (JSON,
 * but not shaped like a state where it matters), `terraform_state_too_large` (over the stack's
 * `state.maxMegabytes`). Permanent: the same bytes fail the same way until the state changes.
 */
export type TerraformStateFormatCode =
  'terraform_state_malformed' | 'terraform_state_unsupported_version' | 'terraform_state_invalid' | 'terraform_state_too_large';

const FORMAT_CODES: ReadonlySet<string> = new Set<TerraformStateFormatCode>([
  'terraform_state_malformed',
  'terraform_state_unsupported_version',
  'terraform_state_invalid',
  'terraform_state_too_large',
]);

/** The state file cannot be read as a Terraform state (see TerraformStateFormatCode). */
export class TerraformStateFormatError extends PermanentError {
  constructor(
    message: string,
    code: TerraformStateFormatCode,
    /** JSON path of the problem, when there is one (e.g. `resources[3].instances[0].index_key`). */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}

/** Re-raises a source or parse failure with the stack named in its message, keeping class, code and cause. */
export function inStack(stack: string, err: unknown): TransientError | PermanentError {
  const prefix = `stack "${stack}": `;
  if (err instanceof DriftwardenError && err.message.startsWith(prefix)) {
    if (err instanceof TransientError || err instanceof PermanentError) return err;
  }
  if (err instanceof TransientError) {
    return new TransientError(prefix + err.message, err.code, { cause: err, retryAfterMs: err.retryAfterMs });
  }
  if (err instanceof TerraformStateFormatError)
    return new TerraformStateFormatError(prefix + err.message, formatCode(err.code), err.path, { cause: err });
  if (err instanceof DriftwardenError) return new PermanentError(prefix + err.message, err.code, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  // Not classified by a source: a bug or an unexpected runtime failure; retrying is bounded by the queue.
  return new TransientError(`${prefix}reading Terraform state failed: ${message}`, 'terraform_state_read_failed', { cause: err });
}

function formatCode(code: string): TerraformStateFormatCode {
  return FORMAT_CODES.has(code) ? (code as TerraformStateFormatCode) : 'terraform_state_invalid';
}
