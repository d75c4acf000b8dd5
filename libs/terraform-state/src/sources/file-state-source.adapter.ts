/** A local state file (`state: { file: … }`), versioned by modification time and size. */
import { readFile, stat } from 'node:fs/promises';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { StateReadResult, StateSource, StateVersion } from './state-source.port';

/** Errors that will not go away by retrying. */
const PERMANENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG']);

function errnoCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export class FileStateSource implements StateSource {
  readonly origin: string;

  constructor(private readonly path: string) {
    this.origin = `file:${path}`;
  }

  async read(previous?: StateVersion, options: { signal?: AbortSignal } = {}): Promise<StateReadResult> {
    try {
      const info = await stat(this.path);
      if (!info.isFile()) throw Object.assign(new Error(`${this.path} is not a file`), { code: 'EISDIR' });
      const version = `${info.mtimeMs}:${info.size}`;
      if (previous !== undefined && previous === version) return { status: 'unchanged', version };
      const body = await readFile(this.path, { encoding: 'utf8', signal: options.signal });
      return { status: 'changed', body, version };
    } catch (err) {
      const code = errnoCode(err) ?? 'unknown';
      const message = `cannot read Terraform state ${this.origin}: ${err instanceof Error ? err.message : String(err)}`;
      const domainCode = `terraform_state_file_${code.toLowerCase()}`;
      throw PERMANENT_CODES.has(code) ? new PermanentError(message, domainCode, { cause: err }) : new TransientError(message, domainCode, { cause: err });
    }
  }
}
