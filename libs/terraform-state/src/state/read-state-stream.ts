/**
 * Reads a Terraform state (format version 4, CONTRACTS.md §E1) as it streams from its source
 * and builds the stack's index on the way (index/stack-state-index.ts): the file is never
 * held whole, only one resource at a time. Every byte is checked as JSON; of a resource of a
 * type no kind declared only its address fields are decoded (state-json-scanner.ts), a
 * resource of a declared type is parsed whole and its kept instances validated. The work is
 * cut into slices of at most `sliceMs` between which the event loop runs.
 *
 * Failures: the source's own errors while streaming pass through as it classified them
 * (TransientError for a reset connection or a timeout); a state that cannot be read is a
 * TerraformStateFormatError (permanent): `terraform_state_malformed` (not JSON, truncated),
 * `terraform_state_unsupported_version`, `terraform_state_invalid` (a kept field of the wrong
 * shape, with its JSON path), `terraform_state_too_large` (over `maxBytes`).
 */
import { DriftwardenError, TransientError } from '@driftwarden/domain';
import { z } from 'zod';
import { type StackStateIndex, StackStateIndexBuilder, type StateHeader } from '../index/stack-state-index';
import type { AnyStateKind } from '../index/state-kind';
import { TerraformStateFormatError } from '../terraform-state.errors';
import { StateJsonScanner, StateJsonSyntaxError } from './state-json-scanner';
import { SUPPORTED_STATE_VERSION, joinPath, stateWhere, unsupportedVersionError } from './terraform-state.schema';

/** A state's bytes: a stream of chunks (S3 body, file stream), or text/bytes already in memory. */
export type StateBody = string | Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** The default `maxBytes`: 1 GiB (about 380,000 resources of a typical state). */
export const DEFAULT_MAX_STATE_BYTES = 1024 * 1024 * 1024;

/**
 * The default longest stretch of synchronous work between two turns of the event loop: well
 * under the 50 ms goal, leaving room for a garbage collection pause and a busy machine.
 */
export const DEFAULT_SLICE_MS = 5;

/** Chunks are fed to the scanner at most this large, so that one slice stays short. */
const FEED_BYTES = 64 * 1024;

export interface ReadStateOptions {
  /** Where the state came from, for messages (`s3://bucket/key`, `file:/path`). */
  origin: string;
  /** The configured stack. */
  stack: string;
  /** The resource kinds whose types are kept (default: the security-group kind). */
  kinds?: readonly AnyStateKind[];
  /** A state larger than this is refused with `terraform_state_too_large` (default 1 GiB). */
  maxBytes?: number;
  /** The body's size when the source knows it (S3 ContentLength, file size): checked before reading. */
  size?: number;
  /** Longest stretch of synchronous work before the event loop gets a turn (default 5 ms). */
  sliceMs?: number;
  /** Clock for slicing (tests). */
  now?: () => number;
}

const headerSchema = z.looseObject({
  serial: z.int().nonnegative(),
  lineage: z.string(),
  terraform_version: z.string().nullish(),
});

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function tooLarge(where: string, size: string, maxBytes: number): TerraformStateFormatError {
  return new TerraformStateFormatError(
    `${where} is ${size}, over the limit of ${mebibytes(maxBytes)} (raise the stack's state.maxMegabytes to read it)`,
    'terraform_state_too_large',
  );
}

async function* chunksOf(body: StateBody): AsyncGenerator<Buffer> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
    return;
  }
  if (body instanceof Uint8Array) {
    yield Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return;
  }
  for await (const chunk of body) {
    yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** Closes a body that will not be read (an unread S3 body holds its connection). */
async function discard(body: StateBody): Promise<void> {
  if (typeof body === 'string' || body instanceof Uint8Array) return;
  const destroy = (body as { destroy?: () => void }).destroy;
  if (typeof destroy === 'function') destroy.call(body);
  else if (Symbol.asyncIterator in body) await body[Symbol.asyncIterator]().return?.();
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Streams `body` into the stack's index. */
export async function readStackStateIndex(body: StateBody, options: ReadStateOptions): Promise<StackStateIndex> {
  const where = stateWhere(options);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_STATE_BYTES;
  const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  const now = options.now ?? performance.now.bind(performance);
  if (options.size !== undefined && options.size > maxBytes) {
    await discard(body);
    throw tooLarge(where, mebibytes(options.size), maxBytes);
  }

  const builder = new StackStateIndexBuilder(options.stack, options.kinds ?? [], { where });
  const header: Record<string, unknown> = {};
  let versionSeen = false;
  const scanner = new StateJsonScanner(
    {
      member(key, value) {
        switch (key) {
          case 'version':
            if (value !== SUPPORTED_STATE_VERSION) throw unsupportedVersionError(where, value);
            versionSeen = true;
            return;
          case 'serial':
          case 'lineage':
          case 'terraform_version':
            header[key] = value;
            return;
          case 'resources':
            if (value !== null) {
              const found = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
              throw new TerraformStateFormatError(
                `${where} is not a valid state at resources: expected an array, found ${found}`,
                'terraform_state_invalid',
                'resources',
              );
            }
            return;
          default:
          // outputs, check_results, fields of newer Terraform versions: checked as JSON, not kept.
        }
      },
      resource(position, outline, whole, bytes, start, end) {
        // The outline has every field the generic index needs; a kind's type needs the attributes.
        if (whole !== undefined) builder.addResource(whole, position);
        else if (outline && !builder.keeps(outline.type)) builder.addResource(outline, position);
        else builder.addResource(JSON.parse(bytes.toString('utf8', start, end)), position);
      },
    },
    { parsedWhole: (type) => builder.keeps(type) },
  );

  const chunks = chunksOf(body)[Symbol.asyncIterator]();
  let done = false;
  try {
    let sliceStart = now();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw readFailure(where, err);
      }
      if (next.done) {
        done = true;
        break;
      }
      const chunk = next.value;
      if (scanner.offset + chunk.length > maxBytes)
        throw tooLarge(where, `over ${mebibytes(maxBytes)} (read so far: ${mebibytes(scanner.offset + chunk.length)})`, maxBytes);
      for (let at = 0; at < chunk.length; at += FEED_BYTES) {
        scanner.push(at === 0 && chunk.length <= FEED_BYTES ? chunk : chunk.subarray(at, at + FEED_BYTES));
        if (now() - sliceStart >= sliceMs) {
          await turn();
          sliceStart = now();
        }
      }
    }
    scanner.finish();
  } catch (err) {
    if (err instanceof StateJsonSyntaxError) {
      switch (err.reason) {
        case 'not_object':
          throw new TerraformStateFormatError(`${where} is not a JSON object`, 'terraform_state_malformed', undefined, { cause: err });
        case 'too_large':
          throw new TerraformStateFormatError(`${where} cannot be read: ${err.message}`, 'terraform_state_too_large', err.where, {
            cause: err,
          });
        default:
          throw new TerraformStateFormatError(`${where} is not valid JSON: ${err.message}`, 'terraform_state_malformed', err.where, {
            cause: err,
          });
      }
    }
    throw err;
  } finally {
    if (!done) await chunks.return?.(undefined);
  }

  if (!versionSeen) throw unsupportedVersionError(where, undefined);
  const checked = headerSchema.safeParse(header);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = joinPath(issue?.path ?? []);
    throw new TerraformStateFormatError(
      `${where} is not a valid state at ${path || '(root)'}: ${issue?.message ?? 'unreadable'}`,
      'terraform_state_invalid',
      path,
    );
  }
  const result: StateHeader = { serial: checked.data.serial, lineage: checked.data.lineage };
  if (checked.data.terraform_version !== undefined && checked.data.terraform_version !== null)
    result.terraformVersion = checked.data.terraform_version;
  return builder.build(result);
}

/** An error from the source while streaming: as the source classified it, else transient (retry may help). */
function readFailure(where: string, err: unknown): DriftwardenError {
  if (err instanceof DriftwardenError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new TransientError(`reading ${where} failed: ${reason}`, 'terraform_state_read_failed', { cause: err });
}
