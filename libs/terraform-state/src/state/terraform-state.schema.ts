/**
 * Terraform state, format version 4 (hashicorp/terraform `internal/states/statefile/version4.go`,
 * CONTRACTS.md §E1). Tolerant of fields this code does not use or that newer Terraform and
 * providers add (`identity`, `identity_schema_version`, provider v6 `region`, `check_results`);
 * strict about the format version.
 */
import { z } from 'zod';
import { TerraformStateFormatError } from '../terraform-state.errors';

export const SUPPORTED_STATE_VERSION = 4;

export const instanceSchema = z.looseObject({
  index_key: z.union([z.int(), z.string()]).nullish(),
  status: z.string().nullish(),
  /** Set on deposed objects (create_before_destroy leftovers): not the current object. */
  deposed: z.string().nullish(),
  schema_version: z.number().nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
  attributes_flat: z.record(z.string(), z.string()).nullish(),
  sensitive_attributes: z.unknown().optional(),
  identity_schema_version: z.number().nullish(),
  identity: z.record(z.string(), z.unknown()).nullish(),
  private: z.string().nullish(),
  dependencies: z.array(z.string()).nullish(),
  create_before_destroy: z.boolean().nullish(),
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `instanceSchema` as the streaming reader checks the instances it keeps: the same rules, but
 * `attributes` and `identity` are checked to be objects without being copied (it keeps a few
 * attributes of them; the rest is garbage as soon as the instance is read).
 */
export const keptInstanceSchema = instanceSchema.extend({
  attributes: z.custom<Record<string, unknown>>(isRecord, 'Invalid input: expected record').nullish(),
  identity: z.custom<Record<string, unknown>>(isRecord, 'Invalid input: expected record').nullish(),
});

const isNullish = (value: unknown): value is null | undefined => value === undefined || value === null;
const stringOrNullish = (value: unknown): boolean => typeof value === 'string' || isNullish(value);
const numberOrNullish = (value: unknown): boolean => (typeof value === 'number' && Number.isFinite(value)) || isNullish(value);
const recordOrNullish = (value: unknown): boolean => isRecord(value) || isNullish(value);

/**
 * Whether `keptInstanceSchema` surely accepts `instance`, checked without zod (a few property
 * reads instead of a parse per kept instance). Never more lenient than the schema: a `false`
 * is settled by the schema itself, which also words the error.
 */
export function surelyKeptInstance(instance: Record<string, unknown>): boolean {
  const indexKey = instance['index_key'];
  if (!(typeof indexKey === 'string' || Number.isSafeInteger(indexKey) || isNullish(indexKey))) return false;
  if (!stringOrNullish(instance['status']) || !stringOrNullish(instance['deposed']) || !stringOrNullish(instance['private'])) return false;
  if (!numberOrNullish(instance['schema_version']) || !numberOrNullish(instance['identity_schema_version'])) return false;
  if (!recordOrNullish(instance['attributes']) || !recordOrNullish(instance['identity'])) return false;
  const cbd = instance['create_before_destroy'];
  if (!(typeof cbd === 'boolean' || isNullish(cbd))) return false;
  const flat = instance['attributes_flat'];
  if (!isNullish(flat)) {
    if (!isRecord(flat)) return false;
    for (const key in flat) if (typeof flat[key] !== 'string') return false;
  }
  const dependencies = instance['dependencies'];
  if (!isNullish(dependencies)) {
    if (!Array.isArray(dependencies)) return false;
    for (const dependency of dependencies) if (typeof dependency !== 'string') return false;
  }
  return true;
}

/** Whether `resourceHeaderSchema` surely accepts `resource` (as `surelyKeptInstance`: never more lenient). */
export function surelyResourceHeader(resource: Record<string, unknown>): boolean {
  const { module, mode, type, name, each, provider } = resource;
  return (
    stringOrNullish(module) &&
    (mode === 'managed' || mode === 'data') &&
    typeof type === 'string' &&
    type !== '' &&
    typeof name === 'string' &&
    name !== '' &&
    (each === 'list' || each === 'map' || isNullish(each)) &&
    typeof provider === 'string'
  );
}

/** A resource without its instances (the streaming reader validates instances one by one). */
export const resourceHeaderSchema = z.looseObject({
  /** Omitted for the root module; e.g. `module.a.module.b["x"]`. */
  module: z.string().nullish(),
  mode: z.enum(['managed', 'data']),
  type: z.string().min(1),
  name: z.string().min(1),
  each: z.enum(['list', 'map']).nullish(),
  provider: z.string(),
});

const resourceSchema = resourceHeaderSchema.extend({
  instances: z.array(instanceSchema),
});

const stateSchema = z.looseObject({
  version: z.literal(SUPPORTED_STATE_VERSION),
  terraform_version: z.string().nullish(),
  serial: z.int().nonnegative(),
  lineage: z.string(),
  outputs: z.record(z.string(), z.unknown()).nullish(),
  resources: z
    .array(resourceSchema)
    .nullish()
    .transform((v) => v ?? []),
  check_results: z.unknown().optional(),
});

export type TerraformState = z.output<typeof stateSchema>;
export type TerraformStateResource = TerraformState['resources'][number];
export type TerraformStateInstance = TerraformStateResource['instances'][number];

export interface ParseStateOptions {
  /** Where the state came from, for messages (`s3://bucket/key`, a file path). */
  origin: string;
  /** The configured stack, for messages. */
  stack?: string;
}

export function joinPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const s of segments) path += typeof s === 'number' ? `[${s}]` : path === '' ? String(s) : `.${String(s)}`;
  return path;
}

/** `stack "network": Terraform state s3://…`: how messages name a state. */
export function stateWhere(options: ParseStateOptions): string {
  return `${options.stack !== undefined ? `stack "${options.stack}": ` : ''}Terraform state ${options.origin}`;
}

/** The error for a state whose `version` is not 4 (`undefined`: no version at all). */
export function unsupportedVersionError(where: string, version: unknown): TerraformStateFormatError {
  const found = version === undefined ? 'no format version' : `format version ${JSON.stringify(version)}`;
  return new TerraformStateFormatError(
    `${where} has ${found}; driftwarden reads state format version ${SUPPORTED_STATE_VERSION} only (written by Terraform 0.12 and later; run "terraform state pull" with a current Terraform to upgrade)`,
    'terraform_state_unsupported_version',
    'version',
  );
}

/**
 * Parses a state file whole (its JSON text, or an already parsed value): for small states and
 * tests; the controller streams (read-state-stream.ts). Throws
 * TerraformStateFormatError (permanent): `terraform_state_malformed` for invalid JSON,
 * `terraform_state_unsupported_version` for any format version but 4,
 * `terraform_state_invalid` (with the JSON path) for a wrong shape.
 */
export function parseTerraformState(input: string | unknown, options: ParseStateOptions): TerraformState {
  const where = stateWhere(options);
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new TerraformStateFormatError(`${where} is not valid JSON: ${reason}`, 'terraform_state_malformed', undefined, { cause: err });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TerraformStateFormatError(`${where} is not a JSON object`, 'terraform_state_malformed');
  }
  const version = (value as { version?: unknown }).version;
  if (version !== SUPPORTED_STATE_VERSION) throw unsupportedVersionError(where, version);
  const result = stateSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = joinPath(issue?.path ?? []);
    throw new TerraformStateFormatError(
      `${where} is not a valid state at ${path || '(root)'}: ${issue?.message ?? 'unreadable'}`,
      'terraform_state_invalid',
      path,
    );
  }
  return result.data;
}
