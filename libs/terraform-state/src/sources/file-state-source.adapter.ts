/** A local state file (`state: { file: … }`), versioned by modification time and size, streamed. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PermanentError, TransientError } from '@driftwarden/domain';
import type { StateReadResult, StateSource, StateVersion } from './state-source.port';

/** Errors that will not go away by retrying. */
const PERMANENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG']);

/** Read size: 1 MiB reads cost a third of 64 KiB reads in CPU (the reader parses them in smaller slices). */
const HIGH_WATER_MARK = 1024 * 1024;

function errnoCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export class FileStateSource implements StateSource {
  readonly origin: string;

  constructor(private readonly path: string) {
    this.origin = `file:${path}`;
  }

  private failure(err: unknown): PermanentError | TransientError {
    const code = errnoCode(err) ?? 'unknown';
    const message = `cannot read Terraform state ${this.origin}: ${err instanceof Error ? err.message : String(err)}`;
    const domainCode = `terraform_state_file_${code.toLowerCase()}`;
    return PERMANENT_CODES.has(code)
      ? new PermanentError(message, domainCode, { cause: err })
      : new TransientError(message, domainCode, { cause: err });
  }

  async read(previous?: StateVersion, options: { signal?: AbortSignal } = {}): Promise<StateReadResult> {
    let info;
    try {
      info = await stat(this.path);
      if (!info.isFile()) throw Object.assign(new Error(`${this.path} is not a file`), { code: 'EISDIR' });
    } catch (err) {
      throw this.failure(err);
    }
    const version = `${info.mtimeMs}:${info.size}`;
    if (previous !== undefined && previous === version) return { status: 'unchanged', version };
    return { status: 'changed', body: this.chunks(options.signal), version, size: info.size };
  }

  /**
   * The file's chunks, opened on the first read (a body never read holds no descriptor); a
   * failure half-way (EIO, …) is classified like one at the start.
   */
  private async *chunks(signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of createReadStream(this.path, { highWaterMark: HIGH_WATER_MARK, signal })) yield chunk as Buffer;
    } catch (err) {
      throw this.failure(err);
    }
  }
}
