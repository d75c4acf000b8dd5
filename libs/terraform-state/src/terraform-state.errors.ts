/**
 * Errors of reading Terraform state. A state that cannot be parsed will not parse on retry
 * (permanent); a backend that is throttled or down may answer later (transient). Every message
 * names the stack, so an operator knows which state file to look at.
 */
import { DriftwardenError, PermanentError, TransientError } from '@driftwarden/domain';

/** The state file is not JSON, not format version 4, or not shaped like a state. */
export class TerraformStateFormatError extends PermanentError {
  constructor(
    message: string,
    code: 'terraform_state_malformed' | 'terraform_state_unsupported_version' | 'terraform_state_invalid',
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
  if (err instanceof TerraformStateFormatError) return new TerraformStateFormatError(prefix + err.message, formatCode(err.code), err.path, { cause: err });
  if (err instanceof DriftwardenError) return new PermanentError(prefix + err.message, err.code, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  // Not classified by a source: a bug or an unexpected runtime failure; retrying is bounded by the queue.
  return new TransientError(`${prefix}reading Terraform state failed: ${message}`, 'terraform_state_read_failed', { cause: err });
}

function formatCode(code: string): 'terraform_state_malformed' | 'terraform_state_unsupported_version' | 'terraform_state_invalid' {
  return code === 'terraform_state_malformed' || code === 'terraform_state_unsupported_version' ? code : 'terraform_state_invalid';
}
