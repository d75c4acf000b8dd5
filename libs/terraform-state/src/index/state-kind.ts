/**
 * The seam between the generic state index and what one resource kind needs from a state
 * (issue 12 §1): the index keeps, for every managed resource instance of every stack, only its
 * id and arn → address and type; a kind declares the Terraform types whose attributes it needs
 * and keeps, per instance, only what it will use. Everything else in the state is read past
 * and dropped as it streams by.
 */

/** One managed resource instance as the generic index keeps it. */
export interface ManagedInstanceRef {
  stack: string;
  /** Terraform instance address, e.g. `module.web.aws_s3_bucket.logs["eu"]`. */
  address: string;
  /** Terraform resource type, e.g. `aws_s3_bucket`. */
  type: string;
  /** `attributes.id`, when a non-empty string. */
  id?: string;
  /** `attributes.arn`, when a non-empty string. */
  arn?: string;
  /** Set for a deposed object (a create_before_destroy leftover Terraform will destroy): its deposed key. */
  deposed?: string;
}

/** A current (not deposed) instance of a type a kind declared, handed to the kind's `extract`. */
export interface StateInstance {
  stack: string;
  address: string;
  /** Terraform resource type (one the kind declared). */
  type: string;
  /** Marked tainted: Terraform will replace it on the next apply. */
  tainted: boolean;
  /** The instance's attributes, as the state holds them (pick what you need: the rest is dropped). */
  attributes: Readonly<Record<string, unknown>>;
  /** Terraform ≥ 1.12 resource identity (e.g. `{account_id, id, region}` with AWS provider v6). */
  identity?: Readonly<Record<string, unknown>>;
}

/**
 * What one resource kind reads from Terraform state. `extract` runs once per instance while the
 * state streams by and should keep only the attributes the kind uses (it may throw a
 * PermanentError for an instance it cannot read: the whole state is then reported unreadable);
 * `index` builds the kind's lookup structure for one stack, once per loaded state version.
 */
export interface StateKind<Entry = unknown, Index = unknown> {
  /** For messages, e.g. `security-group`. */
  readonly name: string;
  /** Terraform resource types (managed mode) whose instances this kind keeps. */
  readonly terraformTypes: readonly string[];
  extract(instance: StateInstance): Entry | undefined;
  index(stack: string, entries: readonly Entry[]): Index;
  /** How many resources of this kind a stack holds (for the stack's status), when the kind says. */
  count?(index: Index): number;
}

/** Any kind (the index holds kinds of different entry and index types; methods are bivariant). */
export type AnyStateKind = StateKind<unknown, unknown>;

/** Terraform type → the kinds that declared it, checked for clashes. */
export function kindsByType(kinds: readonly AnyStateKind[]): ReadonlyMap<string, readonly AnyStateKind[]> {
  const names = new Set<string>();
  const byType = new Map<string, AnyStateKind[]>();
  for (const kind of kinds) {
    if (names.has(kind.name)) throw new Error(`state kind "${kind.name}" is registered twice`);
    names.add(kind.name);
    for (const type of kind.terraformTypes) {
      const list = byType.get(type);
      if (list) list.push(kind);
      else byType.set(type, [kind]);
    }
  }
  return byType;
}
