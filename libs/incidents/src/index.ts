/**
 * @driftwarden/incidents: the incident providers (PagerDuty through pdjs, Opsgenie over HTTP)
 * behind one port, and the pure webhook helpers (signature / token checks, payload parsing).
 * Test doubles (real HTTP fakes of every provider) are the testing entry point,
 * `@driftwarden/incidents/testing`, never this one.
 */

// Port
export { INCIDENT_PROVIDERS, type IncidentProviderPort, type ProviderIncidentRef } from './incident-provider.port';
export { createIncidentProviders } from './incident-providers.factory';

// Errors
export { INCIDENT_ERROR_CODES, errorForStatus, parseRetryAfterSeconds, redactSecrets, type IncidentErrorCode } from './incidents.errors';

// PagerDuty
export {
  PagerDutyIncidentAdapter,
  PAGERDUTY_ACCEPT,
  PAGERDUTY_MAX_OFFSET_PLUS_LIMIT,
  PAGERDUTY_PAGE_LIMIT,
  type PagerDutyAdapterConfig,
  type PdjsFactory,
} from './pagerduty/pagerduty.adapter';
export { isPagerDutyMajor, readIncidentsPage, toPagerDutyIncidentRef, type PagerDutyOpenIncident } from './pagerduty/pagerduty-incidents';
export type {
  PagerDutyErrorResponse,
  PagerDutyIncident,
  PagerDutyIncidentStatus,
  PagerDutyListIncidentsResponse,
  PagerDutyPriority,
  PagerDutyReference,
  PagerDutyUrgency,
} from './pagerduty/pagerduty.types';

// Opsgenie
export {
  OpsgenieIncidentAdapter,
  OPSGENIE_INCIDENTS_PATH,
  OPSGENIE_MAX_PAGES,
  OPSGENIE_PAGE_LIMIT,
  type FetchFunction,
  type OpsgenieAdapterConfig,
} from './opsgenie/opsgenie.adapter';
export { buildOpsgenieMajorQuery, quoteOpsgenieTerm } from './opsgenie/opsgenie-query';
export { isOpsgenieMajor, readOpsgeniePage, toOpsgenieIncidentRef, type OpsgenieOpenIncident } from './opsgenie/opsgenie-incidents';
export type {
  OpsgenieBaseIncident,
  OpsgenieBaseResponse,
  OpsgenieErrorResponse,
  OpsgenieIncident,
  OpsgenieListIncidentsResponse,
  OpsgeniePageDetails,
  OpsgenieResponder,
} from './opsgenie/opsgenie.types';

// Jira Service Management
export {
  JsmIncidentAdapter,
  JSM_MAX_PAGES,
  JSM_PAGE_SIZE,
  JSM_SEARCH_PATH,
  type JiraClientFactory,
  type JsmAdapterConfig,
  type JsmIssueObservation,
} from './jsm/jsm.adapter';
export { JQL_TIME_ZONE_MARGIN_MS, jqlDate, majorIncidentClause, openIncidentsJql, openIssueJql, recentIncidentsJql } from './jsm/jsm-jql';
export { isJsmOpen, readJsmIssue, readJsmSearchPage, toJsmIncidentRef, type JsmIssue, type JsmSearchPage } from './jsm/jsm-issues';

// incident.io
export {
  IncidentioIncidentAdapter,
  INCIDENTIO_MAX_PAGES,
  INCIDENTIO_PAGE_SIZE,
  SEVERITIES_TTL_MS,
  type IncidentioAdapterConfig,
} from './incidentio/incidentio.adapter';
export {
  isIncidentioMajor,
  readIncidentioIncident,
  readIncidentioPage,
  readIncidentioSeverities,
  toIncidentioIncidentRef,
  type IncidentioIncident,
} from './incidentio/incidentio-incidents';

// Webhooks
export {
  PAGERDUTY_SIGNATURE_HEADER,
  PAGERDUTY_WEBHOOK_ID_HEADER,
  parsePagerDutyWebhook,
  signPagerDutyBody,
  verifyPagerDutySignature,
  type PagerDutyWebhookEvent,
  type PagerDutyWebhookIncident,
  type PagerDutyWebhookParseResult,
} from './webhooks/pagerduty-webhook';
export {
  OPSGENIE_WEBHOOK_TOKEN_HEADER,
  epochToIso,
  parseOpsgenieWebhook,
  verifyOpsgenieToken,
  type OpsgenieWebhookEvent,
  type OpsgenieWebhookParseResult,
} from './webhooks/opsgenie-webhook';
export type { ShapeProblem } from './shape';
export { pagerDutyWebhookBody, type PagerDutyWebhookOptions } from './webhooks/pagerduty-webhook-builder';
export {
  JIRA_ISSUE_EVENTS,
  JIRA_SIGNATURE_HEADER,
  JIRA_WEBHOOK_ID_HEADER,
  jiraWebhookBody,
  parseJiraWebhook,
  signJiraBody,
  verifyJiraSignature,
  type JiraWebhookEvent,
  type JiraWebhookParseResult,
} from './webhooks/jsm-webhook';
export {
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  GENERIC_TOLERANCE_MS,
  GENERIC_WEBHOOK_JSON_SCHEMA,
  isGenericMajor,
  parseGenericWebhook,
  signGenericWebhook,
  verifyGenericWebhook,
  type GenericIncident,
  type GenericVerifyResult,
  type GenericWebhookMessage,
  type GenericWebhookParseResult,
} from './webhooks/generic-webhook';
export {
  INCIDENTIO_INCIDENT_EVENTS,
  INCIDENTIO_PRIVATE_EVENTS,
  SVIX_ID_HEADERS,
  SVIX_SIGNATURE_HEADERS,
  SVIX_TIMESTAMP_HEADERS,
  SVIX_TOLERANCE_MS,
  parseIncidentioWebhook,
  signSvix,
  svixKey,
  verifySvixWebhook,
  type IncidentioWebhookEvent,
  type SvixVerifyResult,
} from './webhooks/incidentio-webhook';
