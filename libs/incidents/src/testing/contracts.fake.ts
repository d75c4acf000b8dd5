/**
 * The official API descriptions the fakes validate against, vendored in the repository under
 * test/contracts/ (see its README for source, version and licence):
 * - PagerDuty REST (OpenAPI 3.0.2) through openapi-backend, reduced to `GET /incidents`;
 * - Opsgenie (Swagger 2.0, which openapi-backend cannot read) through ajv, from the operation's
 *   parameters and the `definitions`.
 *
 * Both specs have known defects against the real APIs; the fakes patch them in memory, each
 * patch listed in PAGERDUTY_SPEC_ERRATA / OPSGENIE_SPEC_ERRATA with its reason. Nothing else is
 * loosened.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Document, OpenAPIBackend } from 'openapi-backend';

export const PAGERDUTY_SPEC_FILE = 'pagerduty-rest-openapiv3.json';
export const OPSGENIE_SPEC_FILE = 'opsgenie-swagger.json';

/**
 * The directory holding both spec files: `explicit` if given, else the repository's own
 * `test/contracts`, found walking up from this file (works from the sources and from `dist/`).
 * Nothing outside the repository is read.
 */
export function findContractsDir(explicit?: string): string {
  const holdsBoth = (dir: string) => existsSync(path.join(dir, PAGERDUTY_SPEC_FILE)) && existsSync(path.join(dir, OPSGENIE_SPEC_FILE));
  if (explicit) {
    if (!holdsBoth(explicit)) throw new Error(`contractsDir ${explicit} does not hold ${PAGERDUTY_SPEC_FILE} and ${OPSGENIE_SPEC_FILE}`);
    return explicit;
  }
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'test', 'contracts');
    // The repository root is the first folder above with a package.json: never look past it.
    if (holdsBoth(candidate)) return candidate;
    if (existsSync(path.join(dir, 'package.json'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `cannot find the API specs (${PAGERDUTY_SPEC_FILE}, ${OPSGENIE_SPEC_FILE}) in the repository's test/contracts above ${__dirname}; pass contractsDir`,
  );
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readJson(file: string): JsonObject {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(value)) throw new Error(`${file} is not a JSON object`);
  return value;
}

/** The object at `keys` under `root` (array items by index); throws if the spec has no such object. */
export function dig(root: unknown, ...keys: Array<string | number>): JsonObject {
  let current: unknown = root;
  for (const key of keys) {
    if (typeof key === 'number' && Array.isArray(current)) current = current[key];
    else if (isObject(current)) current = current[String(key)];
    else current = undefined;
    if (current === undefined) throw new Error(`spec has no ${keys.join('.')}`);
  }
  if (!isObject(current)) throw new Error(`spec: ${keys.join('.')} is not an object`);
  return current;
}

export function formatAjvErrors(errors: ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).map((e) => {
    const at = `${root}${e.instancePath}`;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return `${at || root || '(root)'} ${e.message ?? e.keyword}${extra}`;
  });
}

/** Formats in both specs that ajv-formats does not define; accepted as free text. */
const EXTRA_STRING_FORMATS = ['url', 'tzinfo', 'activesupport-time-zone'];

export function addSpecFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  for (const format of EXTRA_STRING_FORMATS) ajv.addFormat(format, true);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  return ajv;
}

// ---------------------------------------------------------------------------------------------
// PagerDuty
// ---------------------------------------------------------------------------------------------

export const PAGERDUTY_SPEC_ERRATA = [
  '`statuses[]`, `urgencies[]` and `include[]` are declared `type: string` although the API (and the ' +
    "spec's own description) takes the key repeated: validated as arrays of the same enum.",
  '`Incident.priority` is null when the account has no priorities or none is set (CONTRACTS.md §B1); ' +
    'the schema is not nullable: accepts null.',
  '`Incident.resolved_at` ("or null if the incident is not resolved"), `resolve_reason`, `alert_grouping` ' +
    '("null if the incident has no alerts") and `alert_grouping.ended_at` (null in the spec\'s own example) accept null.',
] as const;

const NULL_ONLY = { type: 'object', nullable: true, enum: [null] };

function applyPagerDutyErrata(spec: JsonObject): void {
  for (const name of ['statuses_incidents', 'incident_urgencies', 'include_incidents']) {
    const parameter = dig(spec, 'components', 'parameters', name);
    const item = { ...dig(parameter, 'schema') };
    delete item.uniqueItems;
    parameter.schema = { type: 'array', items: item, uniqueItems: true };
  }
  const incident = dig(spec, 'components', 'schemas', 'Incident', 'allOf', 1, 'properties');
  incident.priority = { anyOf: [{ $ref: '#/components/schemas/Priority' }, NULL_ONLY] };
  incident.resolve_reason = { anyOf: [{ $ref: '#/components/schemas/ResolveReason' }, NULL_ONLY] };
  incident.resolved_at = { ...dig(incident, 'resolved_at'), nullable: true };
  const alertGrouping: JsonObject = { ...dig(incident, 'alert_grouping'), nullable: true };
  const groupingProperties = { ...dig(alertGrouping, 'properties') };
  groupingProperties.ended_at = { ...dig(groupingProperties, 'ended_at'), nullable: true };
  alertGrouping.properties = groupingProperties;
  incident.alert_grouping = alertGrouping;
}

export interface PagerDutyContract {
  /** Problems with a `GET /incidents` request (query and headers); empty when valid. */
  validateListIncidentsRequest(request: { query: Record<string, string | string[]>; headers: Record<string, string> }): string[];
  /** Problems with a 200 body of `GET /incidents`; empty when valid. */
  validateListIncidentsResponse(body: unknown): string[];
  /** Problems with an error body (status 400, 401, 402, 403 or 429); empty when valid. */
  validateErrorResponse(status: number, body: unknown): string[];
  /** Problems with a `POST /incidents/{id}/notes` request (headers, body); empty when valid. */
  validateCreateNoteRequest(request: { id: string; headers: Record<string, string>; body: unknown }): string[];
  /** Problems with its 200 body; empty when valid. */
  validateCreateNoteResponse(body: unknown): string[];
}

const pagerDutyContracts = new Map<string, Promise<PagerDutyContract>>();

/** Loads once per process and directory (building the validators takes a few hundred ms). */
export function loadPagerDutyContract(contractsDir: string): Promise<PagerDutyContract> {
  let contract = pagerDutyContracts.get(contractsDir);
  if (!contract) {
    contract = buildPagerDutyContract(contractsDir);
    pagerDutyContracts.set(contractsDir, contract);
    contract.catch(() => pagerDutyContracts.delete(contractsDir));
  }
  return contract;
}

async function buildPagerDutyContract(contractsDir: string): Promise<PagerDutyContract> {
  const spec = readJson(path.join(contractsDir, PAGERDUTY_SPEC_FILE));
  applyPagerDutyErrata(spec);
  const definition = {
    ...spec,
    paths: {
      '/incidents': { get: dig(spec, 'paths', '/incidents', 'get') },
      '/incidents/{id}/notes': { post: dig(spec, 'paths', '/incidents/{id}/notes', 'post') },
    },
  };
  const backend = new OpenAPIBackend({
    // A JSON file checked by openapi-backend itself (`strict`: an invalid document throws).
    definition: definition as unknown as Document,
    strict: true,
    validate: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv) => addSpecFormats(ajv),
  });
  await backend.init();
  const operationId = 'listIncidents';
  return {
    validateListIncidentsRequest({ query, headers }) {
      const result = backend.validateRequest({ method: 'get', path: '/incidents', query, headers }, operationId);
      return formatAjvErrors(result.errors, '');
    },
    validateListIncidentsResponse(body) {
      return formatAjvErrors(backend.validateResponse(body, operationId, 200).errors, 'body');
    },
    validateErrorResponse(status, body) {
      return formatAjvErrors(backend.validateResponse(body, operationId, status).errors, 'body');
    },
    validateCreateNoteRequest({ id, headers, body }) {
      const result = backend.validateRequest(
        { method: 'post', path: `/incidents/${id}/notes`, query: {}, headers, body },
        'createIncidentNote',
      );
      return formatAjvErrors(result.errors, '');
    },
    validateCreateNoteResponse(body) {
      return formatAjvErrors(backend.validateResponse(body, 'createIncidentNote', 200).errors, 'body');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Opsgenie
// ---------------------------------------------------------------------------------------------

export const OPSGENIE_SPEC_ERRATA = [
  'The spec only says "apiKey in header Authorization"; the API requires the value `GenieKey <key>` (docs).',
  'The spec path is `/v1/incidents/` (trailing slash); the docs and the API use `/v1/incidents`: both are served.',
  "The 2021 spec has no `POST /v1/incidents/{identifier}/notes` (Add Note); Opsgenie's incident API documentation and its official " +
    'Go SDK v2 (`incident.AddNoteRequest`) do: `{note (1..25000 chars), user?, source?}`, `identifierType=id|tiny`, 202 ' +
    '`{result, took, requestId}`. The fake checks exactly those fields (opsgenie.fake.ts).',
] as const;

export interface OpsgenieContract {
  /** The spec's definitions (e.g. for type checks in tests). */
  readonly definitions: JsonObject;
  /** Problems with the query parameters of `GET /v1/incidents/`; empty when valid. */
  validateListIncidentsQuery(query: Record<string, string | string[]>): string[];
  /** Problems with a 200 body (`ListIncidentsResponse`); empty when valid. */
  validateListIncidentsResponse(body: unknown): string[];
  /** Problems with an error body (`ErrorResponse`); empty when valid. */
  validateErrorResponse(body: unknown): string[];
}

const opsgenieContracts = new Map<string, OpsgenieContract>();

/** The JSON-Schema keywords a Swagger 2.0 non-body parameter shares with JSON Schema. */
const PARAMETER_SCHEMA_KEYS = [
  'type',
  'format',
  'items',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
];

export function loadOpsgenieContract(contractsDir: string): OpsgenieContract {
  const cached = opsgenieContracts.get(contractsDir);
  if (cached) return cached;
  const spec = readJson(path.join(contractsDir, OPSGENIE_SPEC_FILE));
  const operation = dig(spec, 'paths', '/v1/incidents/', 'get');
  const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];

  // Query parameters -> one object schema (coercing the strings of a query string).
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const raw of parameters) {
    const ref = isObject(raw) && typeof raw.$ref === 'string' ? raw.$ref : undefined;
    const parameter = ref ? dig(spec, 'parameters', ref.replace('#/parameters/', '')) : dig(raw);
    if (parameter.in !== 'query' || typeof parameter.name !== 'string') continue;
    const schema: JsonObject = {};
    for (const key of PARAMETER_SCHEMA_KEYS) if (parameter[key] !== undefined) schema[key] = parameter[key];
    properties[parameter.name] = schema;
    if (parameter.required === true) required.push(parameter.name);
  }
  const definitions = dig(spec, 'definitions');
  const queryAjv = addSpecFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: true }));
  const validateQuery = queryAjv.compile({ type: 'object', properties, required, additionalProperties: false });

  const bodyAjv = addSpecFormats(new Ajv({ allErrors: true, strict: false }));
  bodyAjv.addSchema({ $id: 'opsgenie', definitions });
  const compile = (name: string): ValidateFunction => bodyAjv.compile({ $ref: `opsgenie#/definitions/${name}` });
  const validateList = compile('ListIncidentsResponse');
  const validateError = compile('ErrorResponse');

  const contract: OpsgenieContract = {
    definitions,
    validateListIncidentsQuery(query) {
      const copy: JsonObject = { ...query };
      validateQuery(copy);
      return formatAjvErrors(validateQuery.errors, 'query');
    },
    validateListIncidentsResponse(body) {
      validateList(body);
      return formatAjvErrors(validateList.errors, 'body');
    },
    validateErrorResponse(body) {
      validateError(body);
      return formatAjvErrors(validateError.errors, 'body');
    },
  };
  opsgenieContracts.set(contractsDir, contract);
  return contract;
}

// ---------------------------------------------------------------------------------------------
// Schema shape (for the type checks in *.types.spec.ts)
// ---------------------------------------------------------------------------------------------

/** Reads a spec file (as found by findContractsDir) as plain JSON. */
export function readSpec(file: typeof PAGERDUTY_SPEC_FILE | typeof OPSGENIE_SPEC_FILE, contractsDir?: string): JsonObject {
  return readJson(path.join(findContractsDir(contractsDir), file));
}

/** The object a local `$ref` (`#/a/b~1c`) points to. */
export function resolveRef(root: JsonObject, ref: string): JsonObject {
  if (!ref.startsWith('#/')) throw new Error(`only local refs are supported, got ${ref}`);
  const keys = ref
    .slice(2)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  return dig(root, ...keys);
}

/** Property names and required names of a schema, following `$ref` and merging `allOf`. */
export function schemaKeys(root: JsonObject, schema: JsonObject): { properties: string[]; required: string[] } {
  const properties = new Set<string>();
  const required = new Set<string>();
  const visit = (node: JsonObject, depth: number): void => {
    if (depth > 20) throw new Error('schema nesting too deep');
    if (typeof node.$ref === 'string') return visit(resolveRef(root, node.$ref), depth + 1);
    if (isObject(node.properties)) for (const key of Object.keys(node.properties)) properties.add(key);
    if (Array.isArray(node.required)) for (const key of node.required) if (typeof key === 'string') required.add(key);
    if (Array.isArray(node.allOf)) for (const part of node.allOf) if (isObject(part)) visit(part, depth + 1);
  };
  visit(schema, 0);
  return { properties: [...properties].sort(), required: [...required].sort() };
}
