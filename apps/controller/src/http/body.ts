import { HttpStatus } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from '@driftwarden/auth';

/** Parses a JSON body with a zod schema; a 400 lists every problem with its JSON path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({
    path: i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n === 0 ? '' : '.'}${String(p)}`)).join(''),
    message: i.message,
  }));
  throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'the request body is invalid', problems);
}
