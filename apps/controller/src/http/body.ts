import { HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from '@driftwarden/auth';
import { parseScope, type Scope } from '@driftwarden/domain';
import type { ActiveLimitError } from '@driftwarden/store';

/** Parses a JSON body with a zod schema; a 400 lists every problem with its JSON path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((i) =>
    // An unknown key is reported at its own path (`__proto__` included), not at its parent's.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: formatPath([...i.path, k]), message: 'unknown key; it is not part of this request' }))
      : [{ path: formatPath(i.path), message: i.message }],
  );
  throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'the request body is invalid', problems);
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * A freeze or override scope, validated strictly by the domain's \`parseScope\`: the scope stored
 * is exactly the one given (never silently less, which would widen it), each problem at its path.
 */
export const scopeField = z.unknown().transform((value, ctx): Scope => {
  const parsed = parseScope(value);
  if (parsed.ok) return parsed.scope;
  for (const p of parsed.problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  return z.NEVER;
});

/**
 * 409, not 429: the request conflicts with what is active now. Waiting may not help (a freeze may
 * last days) and clients retry a 429 on their own; a person must lift or remove one, or raise the
 * limit.
 */
export function activeLimitReached(what: string, key: string, e: ActiveLimitError, remedy: string): ApiError {
  return new ApiError(
    HttpStatus.CONFLICT,
    'active_limit_reached',
    `${e.active} ${what} are active, the most allowed by ${key} (${e.max}): ${remedy}, or raise ${key}`,
  );
}
