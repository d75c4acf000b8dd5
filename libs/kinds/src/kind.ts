/**
 * A resource kind, whole (DESIGN §5 "Resource kinds"; docs/adding-a-resource-kind.md): one
 * registration per kind bundles everything the controller knows about one AWS resource type.
 * The pipeline sees the `kind` part (libs/pipeline ResourceKind: Config types, CloudTrail calls,
 * differences with directions, per-change attribution); the adapters that dispatch on the kind
 * (desired state, revert, backport) see the rest. `registry.ts` is the only place kinds are listed.
 */
import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup, ResourceKind } from '@driftwarden/pipeline';
import type { AnyStateKind, DesiredStateIndex } from '@driftwarden/terraform-state';
import type { BackportEditor } from './backport';

export interface KindRegistration {
  /** What the pipeline calls: Config types, CloudTrail calls, analyze, callChanges, directions. */
  readonly kind: ResourceKind;
  /** What the kind keeps of Terraform state (the Terraform types that declare it, and how). */
  readonly state: AnyStateKind;
  /** The desired state of one resource from the stacks covering it (fail closed: throws when a covering state cannot be read). */
  desired(index: DesiredStateIndex, resource: ResourceRef): Promise<DesiredLookup>;
  /** Edits the Terraform code to codify a backport (absent: a tracking issue, never a PR). */
  readonly editor?: BackportEditor;
}
