import { OPSGENIE_SPEC_FILE, readSpec, resolveRef, schemaKeys } from '../testing/contracts.fake';
import {
  OPSGENIE_BASE_INCIDENT_KEYS,
  OPSGENIE_BASE_INCIDENT_REQUIRED,
  OPSGENIE_ERROR_REQUIRED,
  OPSGENIE_INCIDENT_EXTRA_KEYS,
  OPSGENIE_LIST_INCIDENTS_KEYS,
  OPSGENIE_LIST_INCIDENTS_REQUIRED,
  OPSGENIE_PAGE_DETAILS_KEYS,
  OPSGENIE_RESPONDER_REQUIRED,
} from './opsgenie.types';

// opsgenie.types.ts ties each key list to its TypeScript type at compile time; this ties the
// lists to the definitions of test/contracts/opsgenie-swagger.json.
describe('Opsgenie types vs the Swagger definitions', () => {
  const spec = readSpec(OPSGENIE_SPEC_FILE);
  const definition = (name: string) => schemaKeys(spec, resolveRef(spec, `#/definitions/${name}`));
  const sorted = (keys: readonly string[]) => [...keys].sort();

  it('BaseIncident: the same required fields and the same properties', () => {
    expect(sorted(OPSGENIE_BASE_INCIDENT_REQUIRED)).toEqual(definition('BaseIncident').required);
    expect(sorted(OPSGENIE_BASE_INCIDENT_KEYS)).toEqual(definition('BaseIncident').properties);
  });

  it('the live-API extras are really absent from the spec (so they stay optional and documented)', () => {
    for (const key of OPSGENIE_INCIDENT_EXTRA_KEYS) expect(definition('BaseIncident').properties).not.toContain(key);
  });

  it('Responder, ListIncidentsResponse, ErrorResponse, PageDetails', () => {
    expect(sorted(OPSGENIE_RESPONDER_REQUIRED)).toEqual(definition('Responder').required);
    expect(sorted(OPSGENIE_LIST_INCIDENTS_REQUIRED)).toEqual(definition('ListIncidentsResponse').required);
    expect(sorted(OPSGENIE_LIST_INCIDENTS_KEYS)).toEqual(definition('ListIncidentsResponse').properties);
    expect(sorted(OPSGENIE_ERROR_REQUIRED)).toEqual(definition('ErrorResponse').required);
    expect(sorted(OPSGENIE_PAGE_DETAILS_KEYS)).toEqual(definition('PageDetails').properties);
  });

  it('the list operation is the spec path with the trailing slash, query required, limit at most 100', () => {
    const operation = resolveRef(spec, '#/paths/~1v1~1incidents~1/get');
    const parameters = operation.parameters as Array<Record<string, unknown>>;
    expect(parameters.find((p) => p.name === 'query')).toMatchObject({ in: 'query', required: true });
    expect(parameters.find((p) => p.name === 'limit')).toMatchObject({ maximum: 100 });
  });
});
