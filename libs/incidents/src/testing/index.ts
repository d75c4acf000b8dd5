/**
 * The incident sources' stand-ins, `@driftwarden/incidents/testing` (never the product entry
 * point): real HTTP fakes of PagerDuty, Opsgenie, Jira Service Management and incident.io that
 * accept only what the vendors' published API descriptions accept (test/contracts/) and answer
 * in their real shapes, failures included.
 */
export * from './http-fake.fake';
export * from './contracts.fake';
export * from './pagerduty.fake';
export * from './opsgenie.fake';
export * from './jsm.fake';
export * from './incidentio.fake';
