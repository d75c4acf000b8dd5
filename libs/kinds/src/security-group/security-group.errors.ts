/** Errors for rule shapes that cannot be read. Bad input never gets better on retry: permanent. */
import { PermanentError } from '@driftwarden/domain';
import type { z } from 'zod';

export type RuleShape = 'config_item' | 'cloudtrail' | 'ec2' | 'terraform';

/** A security group rule shape that could not be read; `path` is the JSON path of the problem. */
export class InvalidRuleShapeError extends PermanentError {
  constructor(
    readonly shape: RuleShape,
    readonly path: string,
    problem: string,
  ) {
    super(`invalid ${shape.replace('_', ' ')} security group rules at ${path || '(root)'}: ${problem}`, `sg_${shape}_invalid`);
  }
}

function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

/** Parses with a zod schema, throwing InvalidRuleShapeError naming the first problem's path. */
export function parseShape<T extends z.ZodType>(shape: RuleShape, schema: T, value: unknown, basePath = ''): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = joinPath(basePath, issue?.path ?? []);
  throw new InvalidRuleShapeError(shape, path, issue?.message ?? 'unreadable');
}

export function fail(shape: RuleShape, path: string, problem: string): never {
  throw new InvalidRuleShapeError(shape, path, problem);
}
