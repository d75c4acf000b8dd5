import { createIncidentProviders } from './incident-providers.factory';
import { OpsgenieIncidentAdapter } from './opsgenie/opsgenie.adapter';
import { PagerDutyIncidentAdapter } from './pagerduty/pagerduty.adapter';

describe('createIncidentProviders', () => {
  const pagerduty = {
    token: 't',
    apiUrl: 'https://api.pagerduty.com',
    webhookSecrets: [],
    major: { urgencies: ['high' as const] },
    requestTimeoutMs: 1000,
  };
  const opsgenie = { apiKey: 'k', apiUrl: 'https://api.eu.opsgenie.com', major: { priorities: ['P1' as const] }, requestTimeoutMs: 1000 };

  it('builds one adapter per configured provider, none when none is configured', () => {
    expect(createIncidentProviders({})).toEqual([]);
    const both = createIncidentProviders({ pagerduty, opsgenie });
    expect(both.map((p) => p.name)).toEqual(['pagerduty', 'opsgenie']);
    expect(both[0]).toBeInstanceOf(PagerDutyIncidentAdapter);
    expect(both[1]).toBeInstanceOf(OpsgenieIncidentAdapter);
    expect(createIncidentProviders({ opsgenie }).map((p) => p.name)).toEqual(['opsgenie']);
  });

  it('fails fast on an Opsgenie name that cannot be put in a query', () => {
    expect(() => createIncidentProviders({ opsgenie: { ...opsgenie, major: { teams: ['bad\u0000name'] } } })).toThrow(/control characters/);
  });
});
