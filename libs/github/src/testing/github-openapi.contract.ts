/**
 * GitHub's own API description (`@octokit/openapi`, `generated/api.github.com.json`, OpenAPI
 * 3.0.3) as request and response validators for the sandbox.
 *
 * This module uses devDependencies (`@octokit/openapi`, `ajv`, `ajv-formats`): the sandbox
 * `require`s it only when validation is turned on, so the product runs without them.
 *
 * The 13 MB description is read once per process; nothing is compiled up front: each
 * operation's validators are built on first use, by JSON pointer into the description, so only
 * the schemas an operation reaches are compiled.
 *
 * Errata (the description is OpenAPI 3.0, ajv is JSON Schema; nothing else is loosened):
 * - `nullable: true` without a `type` (beside `oneOf`/`anyOf`/`allOf`, or alone) is not valid
 *   for ajv: rewritten as `anyOf: [<the schema>, {type: "null"}]`, or dropped when alone;
 * - `nullable: true` beside an `enum` admits null in OpenAPI 3.0 but not in ajv unless the enum
 *   lists it (e.g. an open issue's `state_reason: null`): null is added to such enums;
 * - `discriminator` is ignored (ajv cannot use `mapping`): the `oneOf` it annotates still applies;
 * - formats ajv-formats does not know (`int32`, `int64`, `repo.nwo`, …) are checked by hand or accepted.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

export const GITHUB_OPENAPI_FILE = '@octokit/openapi/generated/api.github.com.json';
const SPEC_ID = 'github-openapi';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON pointer (as a URI fragment) into the description. */
function pointer(...keys: Array<string | number>): string {
  return `${SPEC_ID}#/${keys.map((k) => encodeURIComponent(String(k).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
}

/** In place: the `nullable` rewrite described above. */
function fixNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) fixNullable(item);
    return;
  }
  if (!isObject(node)) return;
  for (const value of Object.values(node)) fixNullable(value);
  if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
  if (node.nullable !== true || node.type !== undefined) return;
  delete node.nullable;
  const rest: JsonObject = {};
  for (const key of Object.keys(node)) {
    if (key === 'description' || key === 'title' || key === 'example' || key === 'readOnly') continue;
    rest[key] = node[key];
    delete node[key];
  }
  if (Object.keys(rest).length > 0) node.anyOf = [rest, { type: 'null' }];
}

function formatErrors(errors: ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).map((e) => {
    const at = `${root}${e.instancePath.replace(/\//g, '.')}`;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return `${at} ${e.message ?? e.keyword}${extra}`;
  });
}

function newAjv(spec: JsonObject, coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes, validateSchema: false });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('repo.nwo', /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
  ajv.addFormat('uri-template', true);
  ajv.addFormat('binary', true);
  ajv.addFormat('ssh-key', true);
  ajv.addFormat('ssh-key fingerprint', true);
  ajv.addSchema(spec, SPEC_ID, undefined, false);
  return ajv;
}

export interface RequestToValidate {
  /** Path parameters, decoded. */
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  /** Parsed JSON body, `undefined` when the request had none. */
  body: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  /** Pointer to the parameter's schema. */
  schema: string;
}

interface OperationValidators {
  operationId: string;
  path: ValidateFunction;
  query: ValidateFunction;
  queryNames: Set<string>;
  body?: ValidateFunction;
  bodyRequired: boolean;
  responses: Map<number, ValidateFunction | null>;
}

export class GitHubOpenApiContract {
  private readonly bodies: Ajv;
  private readonly params: Ajv;
  private readonly operations = new Map<string, OperationValidators>();

  constructor(private readonly spec: JsonObject) {
    fixNullable(spec);
    this.bodies = newAjv(spec, false);
    this.params = newAjv(spec, true);
  }

  /** The `operationId` of `method` + path template (e.g. `/repos/{owner}/{repo}/pulls`), if declared. */
  operationId(method: string, template: string): string | undefined {
    const op = this.rawOperation(method, template);
    return op && typeof op.operationId === 'string' ? op.operationId : undefined;
  }

  /** Problems with a request (path parameters, query, JSON body); empty when valid. */
  validateRequest(method: string, template: string, request: RequestToValidate): string[] {
    const op = this.validators(method, template);
    const problems: string[] = [];
    const params = { ...request.params };
    if (!op.path(params)) problems.push(...formatErrors(op.path.errors, 'path'));
    const query: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(request.query)) {
      if (!op.queryNames.has(key)) problems.push(`query.${key} is not a parameter of ${op.operationId}`);
      else query[key] = value;
    }
    if (!op.query(query)) problems.push(...formatErrors(op.query.errors, 'query'));
    if (request.body === undefined) {
      if (op.bodyRequired) problems.push('body is required');
    } else if (!op.body) {
      problems.push(`body: ${op.operationId} takes no body`);
    } else if (!op.body(request.body)) {
      problems.push(...formatErrors(op.body.errors, 'body'));
    }
    return problems;
  }

  /**
   * Problems with a JSON response body for `status`; empty when valid, or when the description
   * declares no JSON schema for that status (GitHub does not declare 401 on most operations).
   */
  validateResponse(method: string, template: string, status: number, body: unknown): string[] {
    const op = this.validators(method, template);
    let validate = op.responses.get(status);
    if (validate === undefined) {
      const target = this.responsePointer(method, template, status);
      validate = target ? this.bodies.compile({ $ref: target }) : null;
      op.responses.set(status, validate);
    }
    if (validate === null) return [];
    return validate(body) ? [] : formatErrors(validate.errors, 'response');
  }

  /** Whether the description declares `status` for the operation. */
  declaresStatus(method: string, template: string, status: number): boolean {
    const op = this.rawOperation(method, template);
    return op !== undefined && isObject(op.responses) && op.responses[String(status)] !== undefined;
  }

  private rawOperation(method: string, template: string): JsonObject | undefined {
    const paths = this.spec.paths;
    if (!isObject(paths)) return undefined;
    const item = paths[template];
    if (!isObject(item)) return undefined;
    const op = item[method.toLowerCase()];
    return isObject(op) ? op : undefined;
  }

  private deref(value: unknown): { node: JsonObject; at: string[] } | undefined {
    if (!isObject(value)) return undefined;
    if (typeof value.$ref !== 'string') return undefined;
    const keys = value.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.spec;
    for (const key of keys) node = isObject(node) ? node[key] : undefined;
    return isObject(node) ? { node, at: keys } : undefined;
  }

  private validators(method: string, template: string): OperationValidators {
    const key = `${method.toUpperCase()} ${template}`;
    const cached = this.operations.get(key);
    if (cached) return cached;
    const op = this.rawOperation(method, template);
    if (!op) throw new Error(`the GitHub API description has no ${key}`);
    const m = method.toLowerCase();

    const parameters: Parameter[] = [];
    const declared = Array.isArray(op.parameters) ? op.parameters : [];
    declared.forEach((raw: unknown, index: number) => {
      const resolved = this.deref(raw);
      const node = resolved ? resolved.node : isObject(raw) ? raw : undefined;
      if (!node || typeof node.name !== 'string' || typeof node.in !== 'string') return;
      const schema = resolved ? pointer(...resolved.at, 'schema') : pointer('paths', template, m, 'parameters', index, 'schema');
      parameters.push({ name: node.name, in: node.in, required: node.required === true, schema });
    });
    const objectSchema = (where: string): JsonObject => {
      const list = parameters.filter((p) => p.in === where);
      return {
        type: 'object',
        properties: Object.fromEntries(list.map((p) => [p.name, { $ref: p.schema }])),
        required: list.filter((p) => p.required).map((p) => p.name),
      };
    };

    let body: ValidateFunction | undefined;
    let bodyRequired = false;
    const requestBody = this.deref(op.requestBody)?.node ?? (isObject(op.requestBody) ? op.requestBody : undefined);
    if (requestBody && isObject(requestBody.content) && isObject(requestBody.content['application/json'])) {
      body = this.bodies.compile({ $ref: pointer('paths', template, m, 'requestBody', 'content', 'application/json', 'schema') });
      bodyRequired = requestBody.required === true;
    }

    const validators: OperationValidators = {
      operationId: typeof op.operationId === 'string' ? op.operationId : key,
      path: this.params.compile(objectSchema('path')),
      query: this.params.compile(objectSchema('query')),
      queryNames: new Set(parameters.filter((p) => p.in === 'query').map((p) => p.name)),
      ...(body ? { body } : {}),
      bodyRequired,
      responses: new Map(),
    };
    this.operations.set(key, validators);
    return validators;
  }

  private responsePointer(method: string, template: string, status: number): string | null {
    const op = this.rawOperation(method, template);
    if (!op || !isObject(op.responses)) return null;
    const raw = op.responses[String(status)];
    const resolved = this.deref(raw);
    const node = resolved ? resolved.node : isObject(raw) ? raw : undefined;
    if (!node || !isObject(node.content) || !isObject(node.content['application/json'])) return null;
    const base = resolved ? resolved.at : ['paths', template, method.toLowerCase(), 'responses', String(status)];
    return pointer(...base, 'content', 'application/json', 'schema');
  }
}

let loaded: GitHubOpenApiContract | undefined;

/** The contract, read once per process (about a quarter of a second). */
export function loadGitHubOpenApiContract(): GitHubOpenApiContract {
  if (!loaded) {
    const file = require.resolve(GITHUB_OPENAPI_FILE);
    const spec: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isObject(spec) || !isObject(spec.paths)) throw new Error(`${file} is not an OpenAPI description`);
    loaded = new GitHubOpenApiContract(spec);
  }
  return loaded;
}
