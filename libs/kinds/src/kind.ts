/**
 * A resource kind, whole (DESIGN §5 "Resource kinds"; docs/adding-a-resource-kind.md): one
 * registration per kind bundles everything the controller knows about one AWS resource type.
 * The pipeline sees the `kind` part (libs/pipeline ResourceKind: Config types, CloudTrail calls,
 * differences with directions, per-change attribution); the adapters that dispatch on the kind
 * (desired state, revert, backport) see the rest. `registry.ts` is the only place kinds are listed.
 */
import type { ResourceRef } from '@driftwarden/domain';
import type { DesiredLookup, LiveLocation, LiveResource, Pace, RemediationPort, ResourceKind } from '@driftwarden/pipeline';
import type { AnyStateKind, DesiredStateIndex } from '@driftwarden/terraform-state';
import type { CredentialsFor } from '@driftwarden/ec2';
import type { BackportEditor, TrackingIssueTexts } from './backport';
import type { StackCodePort } from './stack-code';

export interface KindRegistration {
  /** What the pipeline calls: Config types, CloudTrail calls, analyze, callChanges, directions. */
  readonly kind: ResourceKind;
  /** What the kind keeps of Terraform state (the Terraform types that declare it, and how). */
  readonly state: AnyStateKind;
  /** The desired state of one resource from the stacks covering it (fail closed: throws when a covering state cannot be read). */
  desired(index: DesiredStateIndex, resource: ResourceRef): Promise<DesiredLookup>;
  /** Edits the Terraform code to codify a backport (absent: a tracking issue, never a PR). */
  readonly editor?: BackportEditor;
  /**
   * Instead of an editor: one tracking issue per resource in the stack's repository, opened on the
   * first change to codify and updated (and commented on) on each later one (the observed kind).
   */
  readonly tracking?: TrackingIssueTexts;
  /**
   * The revert executor, with its AWS clients (absent: the kind is never reverted). It is fenced
   * before each write, idempotent, and verified by re-reading (libs/pipeline RemediationPort).
   */
  executor?(deps: ExecutorDeps): RemediationPort;
  /** How the kind's record shapes read in the API's OpenAPI document. */
  readonly schemas: KindSchemas;
  /**
   * The IAM actions the executor calls in the resource's account (`ec2:RevokeSecurityGroupIngress`,
   * …): infra/'s remediator role and controller policy grant exactly these (test/infra checks).
   */
  readonly iamActions: readonly string[];
  /**
   * Hands the kind a reader of the stacks' Terraform code (libs/backport GitHubStackCode), for
   * what only the code says (`lifecycle { ignore_changes }`). Called once at start-up when GitHub
   * is configured; a kind that needs it and never gets it says so on its records and decides
   * conservatively.
   */
  useStackCode?(code: StackCodePort): void;
  /**
   * The reconciling sweep's hook (issue 17 §2; absent: the kind's drift is only seen through
   * events): which resources the state index holds for a location, and how to read them live in
   * batches. Its read-only IAM actions are in `iamActions` too.
   */
  readonly reconcile?: ReconcileHook;
}

/** How a kind takes part in the reconciling sweep. */
export interface ReconcileHook {
  /** The Config type the sweep feeds items of (e.g. `AWS::EC2::SecurityGroup`). */
  readonly configType: string;
  /** The most ids one `describeLive` call takes (the kind's API batch size). */
  readonly batchSize: number;
  /**
   * Ids of the resources of this kind that the stacks covering the location declare (their
   * location, where the state tells it, matches). Throws when a covering state cannot be read.
   */
  managedIds(index: DesiredStateIndex, location: LiveLocation): Promise<string[]>;
  /** The live reader, with its AWS clients (built once, like the executor). */
  describer(deps: ExecutorDeps): LiveDescriber;
}

export interface LiveDescriber {
  /**
   * The live configuration of `ids` (at most `batchSize`) in one location, Config-item-shaped;
   * every id asked for is answered, `exists: false` when it is gone. `pace` is awaited before
   * every API call (the sweep's rate limit per account and region). Throws classified errors.
   */
  describeLive(location: LiveLocation, ids: readonly string[], pace?: Pace): Promise<LiveResource[]>;
}

/** OpenAPI 3.0 schema objects of a kind's record shapes. */
export interface KindSchemas {
  /** The record's `diff` for a resource of this kind. */
  diff: Record<string, unknown>;
  /** A difference's `detail` (what differs, in the kind's model). */
  detail: Record<string, unknown>;
}

/** What an executor is built with: the AWS credentials per account and region (cross-account) and a timeout. */
export interface ExecutorDeps {
  requestTimeoutMs: number;
  /** Credentials of the role assumed in the resource's account (`aws.assumeRole`); ambient when absent. */
  credentialsFor?: CredentialsFor;
}
