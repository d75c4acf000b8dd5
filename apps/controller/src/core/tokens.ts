/** Injection tokens for the composition root (classes are used as tokens where there is one). */
export const REDIS = Symbol('REDIS');
export const REDIS_BLOCKING = Symbol('REDIS_BLOCKING');
export const CLOCK = Symbol('CLOCK');
export const LOGGER = Symbol('LOGGER');
/** Credentials per account and region for the AWS clients (cross-account `aws.assumeRole`), or null: ambient. */
export const AWS_CREDENTIALS_FOR = Symbol('AWS_CREDENTIALS_FOR');
/** The polled incident sources (`IncidentSource[]`: PagerDuty, Opsgenie, JSM, incident.io as configured). */
export const INCIDENT_SOURCES = Symbol('INCIDENT_SOURCES');

/** The registered resource kinds (KindRegistration[], from @driftwarden/kinds registeredKinds()). */
export const KINDS = Symbol('KINDS');

/** The real revert executor (RemediationPort) under the dry-run guard; tests may replace it. */
export const REMEDIATION_ADAPTER = Symbol('REMEDIATION_ADAPTER');
/** The real backport adapter (BackportPort) under the dry-run guard; tests may replace it. */
export const BACKPORT_ADAPTER = Symbol('BACKPORT_ADAPTER');
/** `mode: dry-run` (boolean): decisions are recorded, every cloud and GitHub write is refused. */
export const DRY_RUN = Symbol('DRY_RUN');
