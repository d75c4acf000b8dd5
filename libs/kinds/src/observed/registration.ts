import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredStateIndex } from '@driftwarden/terraform-state';
import type { KindRegistration } from '../kind';
import { observedDesired, observedStateKind } from './desired-state';
import { ObservedKind } from './observed.kind';
import { observedSchemas } from './openapi';
import { observedTrackingIssue } from './tracking-issue';

/**
 * The observed kind, registered (libs/kinds/src/registry.ts lists it): the catch-all for every
 * Terraform-managed resource of a type no other kind claims. No executor (never reverted, so no
 * IAM action), no editor (a tracking issue instead of a pull request).
 */
export function observedRegistration(): KindRegistration {
  return {
    kind: new ObservedKind(),
    state: observedStateKind,
    tracking: observedTrackingIssue,
    schemas: observedSchemas,
    iamActions: [],
    desired: (index: DesiredStateIndex, resource: ResourceRef) => observedDesired(index, resource),
  };
}
