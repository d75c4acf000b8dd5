/**
 * Stable event ids derived from domain keys. They become BullMQ job ids, so they contain no `:`
 * and are never pure integers (each has a letter prefix). The envelope (EventBridge id, SNS
 * MessageId, transport) never enters them: duplicate deliveries of one item share the id.
 */
import { hash } from 'node:crypto';
import type { ComplianceType, ResourceRef } from '@driftwarden/domain';

type ResourceKeyParts = Pick<ResourceRef, 'type' | 'id' | 'account' | 'region'>;

function hash32(text: string): string {
  // One-shot `crypto.hash` (UTF-8, as `createHash().update(text, 'utf8')`): one per item at ingest.
  return hash('sha256', text, 'hex').slice(0, 32);
}

/**
 * `ci_` + sha256(`type|id|account|region|order`) (first 32 hex chars), where `order` is the
 * configurationStateId or, without one, the capture time in epoch ms.
 */
export function configItemEventId(resource: ResourceKeyParts, order: number): string {
  return `ci_${hash32([resource.type, resource.id, resource.account, resource.region, String(order)].join('|'))}`;
}

/** `cc_` + sha256 of resource + rule + orderingTimestamp (ISO, normalised) + complianceType. */
export function complianceEventId(
  resource: ResourceKeyParts,
  ruleName: string,
  orderingTimestamp: string,
  compliance: ComplianceType,
): string {
  return `cc_${hash32([resource.type, resource.id, resource.account, resource.region, ruleName, orderingTimestamp, compliance].join('|'))}`;
}

const SAFE_ID = /^[A-Za-z0-9._-]+$/;

/**
 * `ct_` + the CloudTrail eventID (a UUID). Characters outside `[A-Za-z0-9._-]` are replaced by
 * `_`; when that happens a short hash of the original is appended so two ids cannot collide.
 */
export function cloudTrailEventId(eventID: string): string {
  if (SAFE_ID.test(eventID)) return `ct_${eventID}`;
  const sanitised = eventID.replace(/[^A-Za-z0-9._-]/g, '_');
  return `ct_${sanitised}_${hash32(eventID).slice(0, 8)}`;
}
