/**
 * incident.io's public OpenAPI description (test/contracts/incidentio-openapi3.subset.json: the
 * operations `GET /v2/incidents` and `GET /v1/severities`, the incident webhooks and every schema
 * they use; see the README there), as validators for the incident.io fake.
 *
 * The list filters are objects sent as `name[operator]=value` (`status_category[one_of]=live`);
 * the description declares them as object parameters without a style and names the operators in
 * prose. They are read that way here: the operators from each parameter's description, the
 * values against its schema (ajv). Known defects are patched and listed in
 * INCIDENTIO_SPEC_ERRATA; nothing else is loosened.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import * as path from 'node:path';
import { addSpecFormats, dig, formatAjvErrors, isObject, readJson, type JsonObject } from './contracts.fake';

export const INCIDENTIO_SPEC_FILE = 'incidentio-openapi3.subset.json';

export const INCIDENTIO_SPEC_ERRATA = [
  '`page_size` has no maximum in the description; the API documentation says 250: enforced.',
  'The list filters are object parameters whose operators are only named in their description ("The accepted operators are …"): ' +
    'each `name[operator]` key is checked against those operators and its values against the parameter schema.',
  'Several schemas require properties they do not define (`IncidentV2`: `external_id`, `reported_at`, …; `IncidentTypeV2`: ' +
    "`severity_aliases`, …; `CustomFieldV2`, `IncidentTimestampV2`, `IncidentTimestampValueV2`, `APIKeyV2`); the description's own " +
    'examples lack them. Not loosened: the fake sends them with plausible values (additional properties are allowed).',
] as const;

export interface IncidentioContract {
  readonly schemas: JsonObject;
  validateListIncidentsQuery(query: Record<string, string[]>): string[];
  validateListIncidentsResponse(body: unknown): string[];
  validateSeveritiesResponse(body: unknown): string[];
  validateErrorResponse(body: unknown): string[];
  /** A webhook body of `event_type` (its `x-webhooks` entry). */
  validateWebhook(eventType: string, body: unknown): string[];
}

const contracts = new Map<string, IncidentioContract>();

export function loadIncidentioContract(contractsDir: string): IncidentioContract {
  const cached = contracts.get(contractsDir);
  if (cached) return cached;
  const spec = readJson(path.join(contractsDir, INCIDENTIO_SPEC_FILE));
  const schemas = dig(spec, 'components', 'schemas');
  const ajv = addSpecFormats(new Ajv({ allErrors: true, strict: false }));
  // OpenAPI 3.0 schemas are JSON Schema draft-04/07 compatible enough for ajv here (no `nullable` is used).
  ajv.addSchema({ $id: 'incidentio', components: { schemas } });
  const compile = (name: string): ValidateFunction => ajv.compile({ $ref: `incidentio#/components/schemas/${name}` });
  const listResponse = (
    dig(spec, 'paths', '/v2/incidents', 'get', 'responses', '200', 'content', 'application/json', 'schema').$ref as string
  )
    .split('/')
    .pop() as string;
  const severitiesResponse = (
    dig(spec, 'paths', '/v1/severities', 'get', 'responses', '200', 'content', 'application/json', 'schema').$ref as string
  )
    .split('/')
    .pop() as string;
  const validateList = compile(listResponse);
  const validateSeverities = compile(severitiesResponse);
  const validateError = compile('ErrorResponse');

  // Query parameters of GET /v2/incidents.
  const parameters = dig(spec, 'paths', '/v2/incidents', 'get').parameters;
  const params = new Map<string, { schema: JsonObject; operators?: Set<string>; validate: ValidateFunction }>();
  for (const raw of Array.isArray(parameters) ? parameters : []) {
    if (!isObject(raw) || raw.in !== 'query' || typeof raw.name !== 'string' || !isObject(raw.schema)) continue;
    const schema = raw.schema;
    const description = typeof raw.description === 'string' ? raw.description : '';
    const operators = schema.type === 'object' ? new Set([...description.matchAll(/'([a-z_]+)'?/g)].map((m) => m[1])) : undefined;
    const valueSchema =
      schema.type === 'object' && isObject(schema.additionalProperties) ? schema.additionalProperties : { type: 'array', items: schema };
    params.set(raw.name, {
      schema,
      ...(operators ? { operators } : {}),
      validate: ajv.compile({ ...valueSchema, ...(schema.type === 'object' ? {} : { maxItems: 1 }) }),
    });
  }

  const webhookValidators = new Map<string, ValidateFunction>();
  const webhooks = isObject(spec['x-webhooks']) ? spec['x-webhooks'] : {};
  for (const [key, entry] of Object.entries(webhooks)) {
    const ref = dig(entry, 'get', 'responses', '200', 'content', 'application/json', 'schema').$ref;
    if (typeof ref === 'string') webhookValidators.set(key.replace('/x-webhooks/', ''), compile(ref.split('/').pop() as string));
  }

  const contract: IncidentioContract = {
    schemas,
    validateListIncidentsQuery(query) {
      const problems: string[] = [];
      const grouped = new Map<string, Map<string, string[]>>();
      for (const [key, values] of Object.entries(query)) {
        const match = /^([a-z_]+)(?:\[([a-z_]+)\])?$/.exec(key);
        const name = match?.[1];
        const param = name ? params.get(name) : undefined;
        if (!match || !name || !param) {
          problems.push(`query.${key} is not a parameter of GET /v2/incidents`);
          continue;
        }
        const operator = match[2];
        if (param.operators) {
          if (!operator) problems.push(`query.${key} must name an operator: ${name}[${[...param.operators].join('|')}]`);
          else if (!param.operators.has(operator))
            problems.push(`query.${key}: "${operator}" is not an accepted operator of ${name} (${[...param.operators].join(', ')})`);
        } else if (operator) {
          problems.push(`query.${key}: ${name} takes no operator`);
        }
        const ops = grouped.get(name) ?? new Map<string, string[]>();
        ops.set(operator ?? '', [...(ops.get(operator ?? '') ?? []), ...values]);
        grouped.set(name, ops);
      }
      for (const [name, ops] of grouped) {
        const param = params.get(name) as { schema: JsonObject; validate: ValidateFunction };
        for (const [operator, values] of ops) {
          const typed = param.schema.type === 'integer' ? values.map((v) => (/^-?\d+$/.test(v) ? Number(v) : v)) : values;
          if (!param.validate(typed))
            problems.push(...formatAjvErrors(param.validate.errors, `query.${name}${operator ? `[${operator}]` : ''}`));
        }
      }
      const pageSize = query.page_size?.[0];
      if (pageSize !== undefined && /^\d+$/.test(pageSize) && (Number(pageSize) < 1 || Number(pageSize) > 250))
        problems.push(`query.page_size must be between 1 and 250, got ${pageSize}`);
      return problems;
    },
    validateListIncidentsResponse(body) {
      validateList(body);
      return formatAjvErrors(validateList.errors, 'body');
    },
    validateSeveritiesResponse(body) {
      validateSeverities(body);
      return formatAjvErrors(validateSeverities.errors, 'body');
    },
    validateErrorResponse(body) {
      validateError(body);
      return formatAjvErrors(validateError.errors, 'body');
    },
    validateWebhook(eventType, body) {
      const validate = webhookValidators.get(eventType);
      if (!validate) return [`no webhook ${eventType} in the vendored description`];
      validate(body);
      return formatAjvErrors(validate.errors, 'body');
    },
  };
  contracts.set(contractsDir, contract);
  return contract;
}
