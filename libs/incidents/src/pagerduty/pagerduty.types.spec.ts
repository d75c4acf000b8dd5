import { PAGERDUTY_SPEC_FILE, readSpec, resolveRef, schemaKeys } from '../testing/contracts.fake';
import {
  PAGERDUTY_INCIDENT_KEYS,
  PAGERDUTY_INCIDENT_REQUIRED,
  PAGERDUTY_LIST_INCIDENTS_REQUIRED,
  PAGERDUTY_PRIORITY_KEYS,
  PAGERDUTY_REFERENCE_REQUIRED,
} from './pagerduty.types';

// pagerduty.types.ts ties each key list to its TypeScript type at compile time; this ties the
// lists to test/contracts/pagerduty-rest-openapiv3.json.
describe('PagerDuty types vs the OpenAPI description', () => {
  const spec = readSpec(PAGERDUTY_SPEC_FILE);
  const schema = (name: string) => schemaKeys(spec, resolveRef(spec, `#/components/schemas/${name}`));
  const sorted = (keys: readonly string[]) => [...keys].sort();

  it('Incident: same required fields, and only fields the spec has', () => {
    const incident = schema('Incident');
    expect(sorted(PAGERDUTY_INCIDENT_REQUIRED)).toEqual(incident.required);
    expect(incident.properties).toEqual(expect.arrayContaining([...PAGERDUTY_INCIDENT_KEYS]));
  });

  it('Priority: only fields the spec has', () => {
    expect(schema('Priority').properties).toEqual(sorted(PAGERDUTY_PRIORITY_KEYS));
  });

  it('Reference: id and type are required', () => {
    expect(sorted(PAGERDUTY_REFERENCE_REQUIRED)).toEqual(schema('Reference').required);
  });

  it('GET /incidents 200: incidents is required', () => {
    const response = resolveRef(spec, '#/paths/~1incidents/get/responses/200/content/application~1json/schema');
    expect(sorted(PAGERDUTY_LIST_INCIDENTS_REQUIRED)).toEqual(schemaKeys(spec, response).required);
  });
});
