/**
 * Opsgenie Incident API types, written from test/contracts/opsgenie-swagger.json
 * (Swagger 2.0, opsgenie/opsgenie-oas @ 71c55343): `BaseIncident`, `Responder`, `PageDetails`,
 * `BaseResponse`, `ListIncidentsResponse`, `ErrorResponse`. Only what the spec marks required is
 * required here; the adapter checks at run time what it relies on (opsgenie-incidents.ts).
 * `opsgenie.types.spec.ts` compares these types with the spec.
 */
import type { Assert, Equals, RequiredKeys } from '../spec-keys';

/** `Responder`. */
export interface OpsgenieResponder {
  type: 'user' | 'team' | 'escalation' | 'schedule';
  id: string;
}

/** `BaseIncident`. `status` is `open`, `resolved` or `closed`; `priority` `P1`…`P5`. */
export interface OpsgenieBaseIncident {
  id: string;
  tinyId?: string;
  message?: string;
  status?: string;
  isSeen?: boolean;
  tags?: string[];
  createdAt?: string;
  updatedAt?: string;
  source?: string;
  owner?: string;
  priority?: string;
  responders?: OpsgenieResponder[];
  ownerTeam?: string;
  extraProperties?: Record<string, string>;
}

/**
 * What the live API returns for an incident: `BaseIncident` plus fields the 2021 spec does not
 * describe (CONTRACTS.md §C1, [unverified] against the spec). `impactedServices` holds service ids.
 */
export interface OpsgenieIncident extends OpsgenieBaseIncident {
  impactedServices?: string[];
}

/** `PageDetails`: absolute URLs. */
export interface OpsgeniePageDetails {
  prev?: string;
  next?: string;
  first?: string;
  last?: string;
}

/** `BaseResponse`. `took` is seconds. */
export interface OpsgenieBaseResponse {
  requestId: string;
  took: number;
}

/** `ListIncidentsResponse` = `BaseResponse` + `data` + `paging`. */
export interface OpsgenieListIncidentsResponse extends OpsgenieBaseResponse {
  data?: OpsgenieIncident[];
  paging?: OpsgeniePageDetails;
}

/** `ErrorResponse` = `BaseResponse` + `message`, `code`, `responseHeaders`. */
export interface OpsgenieErrorResponse extends OpsgenieBaseResponse {
  message?: string;
  code?: number;
  responseHeaders?: Record<string, string[]>;
}

// --- Runtime key lists, checked against the types here and against the spec in the spec test ---

export const OPSGENIE_BASE_INCIDENT_REQUIRED = ['id'] as const;
export const OPSGENIE_BASE_INCIDENT_KEYS = [
  'id',
  'tinyId',
  'message',
  'status',
  'isSeen',
  'tags',
  'createdAt',
  'updatedAt',
  'source',
  'owner',
  'priority',
  'responders',
  'ownerTeam',
  'extraProperties',
] as const;
/** Keys of `OpsgenieIncident` the spec does not have (live API only). */
export const OPSGENIE_INCIDENT_EXTRA_KEYS = ['impactedServices'] as const;
export const OPSGENIE_RESPONDER_REQUIRED = ['type', 'id'] as const;
export const OPSGENIE_LIST_INCIDENTS_REQUIRED = ['requestId', 'took'] as const;
export const OPSGENIE_LIST_INCIDENTS_KEYS = ['requestId', 'took', 'data', 'paging'] as const;
export const OPSGENIE_ERROR_REQUIRED = ['requestId', 'took'] as const;
export const OPSGENIE_PAGE_DETAILS_KEYS = ['prev', 'next', 'first', 'last'] as const;

export type OpsgenieTypeChecks = [
  Assert<Equals<RequiredKeys<OpsgenieBaseIncident>, (typeof OPSGENIE_BASE_INCIDENT_REQUIRED)[number]>>,
  Assert<Equals<keyof OpsgenieBaseIncident, (typeof OPSGENIE_BASE_INCIDENT_KEYS)[number]>>,
  Assert<Equals<Exclude<keyof OpsgenieIncident, keyof OpsgenieBaseIncident>, (typeof OPSGENIE_INCIDENT_EXTRA_KEYS)[number]>>,
  Assert<Equals<RequiredKeys<OpsgenieIncident>, (typeof OPSGENIE_BASE_INCIDENT_REQUIRED)[number]>>,
  Assert<Equals<RequiredKeys<OpsgenieResponder>, (typeof OPSGENIE_RESPONDER_REQUIRED)[number]>>,
  Assert<Equals<RequiredKeys<OpsgenieListIncidentsResponse>, (typeof OPSGENIE_LIST_INCIDENTS_REQUIRED)[number]>>,
  Assert<Equals<keyof OpsgenieListIncidentsResponse, (typeof OPSGENIE_LIST_INCIDENTS_KEYS)[number]>>,
  Assert<Equals<RequiredKeys<OpsgenieErrorResponse>, (typeof OPSGENIE_ERROR_REQUIRED)[number]>>,
  Assert<Equals<keyof OpsgeniePageDetails, (typeof OPSGENIE_PAGE_DETAILS_KEYS)[number]>>,
];
