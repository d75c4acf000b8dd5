/**
 * The index of one stack's state (CONTRACTS.md §E2), generic in what it keeps: for every
 * managed resource instance, its `id` and `arn` → Terraform address and type; and, for the
 * resource kinds it was given, whatever each kind extracted from the instances of the types it
 * declared (the security-group kind's entries by group and rule id, …). Nothing else of the state
 * is retained. Built in one pass over the resources, from a parsed state (`new
 * StackStateIndex(stack, state)`) or while a state file streams by (read-state-stream.ts):
 * both go through the same `StackStateIndexBuilder`, so they index alike.
 */
import { PermanentError } from '@driftwarden/domain';
import { instanceKeySuffix } from '../state/address';
import {
  SUPPORTED_STATE_VERSION,
  type TerraformState,
  joinPath,
  keptInstanceSchema,
  resourceHeaderSchema,
  surelyKeptInstance,
  surelyResourceHeader,
} from '../state/terraform-state.schema';
import { TerraformStateFormatError } from '../terraform-state.errors';
import { type AnyStateKind, type ManagedInstanceRef, type StateKind, kindsByType } from './state-kind';

export interface StackStateSummary {
  stack: string;
  serial: number;
  lineage: string;
  terraformVersion?: string;
  /** Managed resource instances in the state (all types, deposed objects included). */
  managedInstances: number;
  /** What each resource kind keeps of this state (its `count`), by kind name. */
  kinds: Record<string, number>;
}

/** The top-level fields every index keeps. */
export interface StateHeader {
  serial: number;
  lineage: string;
  terraformVersion?: string;
}

type RefSlot = ManagedInstanceRef | ManagedInstanceRef[];

function addRef(map: Map<string, RefSlot>, key: string, ref: ManagedInstanceRef): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, ref);
  else if (Array.isArray(slot)) slot.push(ref);
  else map.set(key, [slot, ref]);
}

function refs(slot: RefSlot | undefined): readonly ManagedInstanceRef[] {
  return slot === undefined ? [] : Array.isArray(slot) ? slot : [slot];
}

/** `arn:…:security-group/sg-1` ends with `/sg-1`, `arn:…:function:f` with `:f`: then `idFromArn(arn) === id`. */
function arnEndsWithId(arn: string, id: string): boolean {
  const at = arn.length - id.length - 1;
  if (at < 0) return false;
  const separator = arn.charCodeAt(at);
  return (separator === 0x2f || separator === 0x3a) && arn.endsWith(id) && !id.includes('/') && !id.includes(':');
}

/** The id an ARN would end with, if it ends with one (after its last `/` or `:`). */
function idFromArn(arn: string): string {
  return arn.slice(Math.max(arn.lastIndexOf('/'), arn.lastIndexOf(':')) + 1);
}

/**
 * `module.net.aws_vpc.main` as one flat string (an index holds 100,000s of addresses; a `+`
 * chain would keep each as a rope of its parts). A managed resource: no `data.` prefix.
 */
function resourceAddressOf(module: unknown, type: string, name: string): string {
  return typeof module === 'string' && module !== '' ? [module, type, name].join('.') : [type, name].join('.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Where a shape problem is reported: `stack "x": Terraform state s3://…`. */
export interface IndexMessageContext {
  /** Prefix for messages, e.g. `stack "network": Terraform state s3://tf/network.tfstate`. */
  where: string;
}

/**
 * Collects one stack's index resource by resource. `addResource` validates what it keeps (the
 * address fields of every managed resource; the full envelope, as `keptInstanceSchema` has it, of
 * instances of a declared type) and throws TerraformStateFormatError with the JSON path.
 */
export class StackStateIndexBuilder {
  private readonly byType: ReadonlyMap<string, readonly AnyStateKind[]>;
  private readonly entries = new Map<AnyStateKind, unknown[]>();
  private readonly byId = new Map<string, RefSlot>();
  private readonly byArn = new Map<string, RefSlot>();
  /** One string per resource type, shared by every ref of that type. */
  private readonly types = new Map<string, string>();
  private managed = 0;

  constructor(
    readonly stack: string,
    private readonly kinds: readonly AnyStateKind[],
    private readonly context: IndexMessageContext,
  ) {
    this.byType = kindsByType(kinds);
    for (const kind of kinds) this.entries.set(kind, []);
  }

  private invalid(path: string, message: string): TerraformStateFormatError {
    return new TerraformStateFormatError(
      `${this.context.where} is not a valid state at ${path}: ${message}`,
      'terraform_state_invalid',
      path,
    );
  }

  /** Whether a kind declared this resource type (its resources must be given whole to `addResource`). */
  keeps(type: unknown): boolean {
    return typeof type === 'string' && this.byType.has(type);
  }

  /**
   * Indexes `resources[position]`: an already parsed JSON value (instances of a declared type
   * are checked with `keptInstanceSchema`), or (for a type no kind declared) just its address fields (module, mode, type, name, and per instance index_key,
   * deposed, attributes.id and attributes.arn).
   */
  addResource(resource: unknown, position: number): void {
    // (Paths for messages are built only when there is something to say.)
    const at = (): string => `resources[${position}]`;
    if (!isRecord(resource)) throw this.invalid(at(), `expected an object, found ${describe(resource)}`);
    const mode = resource['mode'];
    if (mode === 'data') return;
    if (mode !== 'managed') throw this.invalid(`${at()}.mode`, `expected "managed" or "data", found ${describe(mode)}`);
    const typeValue = resource['type'];
    const name = resource['name'];
    const module = resource['module'];
    const instances = resource['instances'];
    if (typeof typeValue !== 'string' || typeValue === '')
      throw this.invalid(`${at()}.type`, `expected a resource type, found ${describe(typeValue)}`);
    if (typeof name !== 'string' || name === '') throw this.invalid(`${at()}.name`, `expected a resource name, found ${describe(name)}`);
    if (module !== undefined && module !== null && typeof module !== 'string')
      throw this.invalid(`${at()}.module`, `expected a module address, found ${describe(module)}`);
    if (!Array.isArray(instances)) throw this.invalid(`${at()}.instances`, `expected an array, found ${describe(instances)}`);
    let type = this.types.get(typeValue);
    if (type === undefined) {
      type = typeValue;
      this.types.set(type, type);
    }
    const kinds = this.byType.get(type);
    if (kinds && !surelyResourceHeader(resource)) {
      const header = resourceHeaderSchema.safeParse(resource);
      if (!header.success) throw this.zodIssue(at(), header.error.issues[0]);
    }
    const resourceAddress = resourceAddressOf(module, type, name);
    for (let i = 0; i < instances.length; i++) {
      const path = (): string => `${at()}.instances[${i}]`;
      const instance: unknown = instances[i];
      if (!isRecord(instance)) throw this.invalid(path(), `expected an object, found ${describe(instance)}`);
      const indexKey = instance['index_key'];
      const deposed = instance['deposed'];
      const attributes = instance['attributes'];
      if (indexKey !== undefined && indexKey !== null && typeof indexKey !== 'string' && !Number.isInteger(indexKey)) {
        throw this.invalid(`${path()}.index_key`, `expected an integer or a string, found ${describe(indexKey)}`);
      }
      if (deposed !== undefined && deposed !== null && typeof deposed !== 'string')
        throw this.invalid(`${path()}.deposed`, `expected a string, found ${describe(deposed)}`);
      if (attributes !== undefined && attributes !== null && !isRecord(attributes))
        throw this.invalid(`${path()}.attributes`, `expected an object, found ${describe(attributes)}`);
      if (kinds && !surelyKeptInstance(instance)) {
        const checked = keptInstanceSchema.safeParse(instance);
        if (!checked.success) throw this.zodIssue(path(), checked.error.issues[0]);
      }
      const address =
        indexKey === undefined || indexKey === null
          ? resourceAddress
          : [resourceAddress, instanceKeySuffix(indexKey as string | number)].join('');
      this.managed++;
      const id = attributes ? nonEmpty(attributes['id']) : undefined;
      const arn = attributes ? nonEmpty(attributes['arn']) : undefined;
      if (id !== undefined || arn !== undefined) {
        const ref: ManagedInstanceRef = { stack: this.stack, address, type };
        if (id !== undefined) ref.id = id;
        if (arn !== undefined) ref.arn = arn;
        if (deposed) ref.deposed = deposed as string;
        if (id !== undefined) addRef(this.byId, id, ref);
        // Most ARNs end with the id (`…:security-group/sg-…`): those are found through the id.
        if (arn !== undefined && (id === undefined || !arnEndsWithId(arn, id))) addRef(this.byArn, arn, ref);
      }
      if (!kinds || deposed || !attributes) continue;
      const identity = instance['identity'];
      const input = {
        stack: this.stack,
        address,
        type,
        tainted: instance['status'] === 'tainted',
        attributes,
        ...(isRecord(identity) ? { identity } : {}),
      };
      for (const kind of kinds) {
        let entry: unknown;
        try {
          entry = kind.extract(input);
        } catch (err) {
          if (err instanceof PermanentError) throw err;
          const reason = err instanceof Error ? err.message : String(err);
          throw this.invalid(path(), `the ${kind.name} kind cannot read ${address}: ${reason}`);
        }
        if (entry !== undefined) this.entries.get(kind)?.push(entry);
      }
    }
  }

  private zodIssue(base: string, issue: { path: readonly PropertyKey[]; message: string } | undefined): TerraformStateFormatError {
    const rest = joinPath(issue?.path ?? []);
    const path = rest === '' ? base : rest.startsWith('[') ? `${base}${rest}` : `${base}.${rest}`;
    return this.invalid(path, issue?.message ?? 'unreadable');
  }

  /** The finished index (the builder is spent). */
  build(header: StateHeader): StackStateIndex {
    const kindIndexes = new Map<AnyStateKind, unknown>();
    for (const kind of this.kinds) kindIndexes.set(kind, kind.index(this.stack, this.entries.get(kind) ?? []));
    this.entries.clear();
    return new StackStateIndex(this.stack, { header, byId: this.byId, byArn: this.byArn, managedInstances: this.managed, kindIndexes });
  }
}

/** What a builder hands the index. */
export interface BuiltStackState {
  header: StateHeader;
  byId: Map<string, RefSlot>;
  byArn: Map<string, RefSlot>;
  managedInstances: number;
  kindIndexes: Map<AnyStateKind, unknown>;
}

function isBuilt(value: TerraformState | BuiltStackState): value is BuiltStackState {
  return 'kindIndexes' in value;
}

export class StackStateIndex {
  readonly serial: number;
  readonly lineage: string;
  readonly terraformVersion: string | undefined;
  /** Managed resource instances in the state (all types, deposed objects included). */
  readonly managedInstances: number;
  private readonly byId: Map<string, RefSlot>;
  private readonly byArn: Map<string, RefSlot>;
  private readonly kindIndexes: Map<AnyStateKind, unknown>;

  /**
   * From a parsed state (every resource indexed, `kinds` as given), or from what a
   * `StackStateIndexBuilder` collected.
   */
  constructor(
    readonly stack: string,
    state: TerraformState | BuiltStackState,
    kinds: readonly AnyStateKind[] = [],
  ) {
    let built: BuiltStackState;
    if (isBuilt(state)) built = state;
    else {
      if (state.version !== SUPPORTED_STATE_VERSION)
        throw new Error(`state format version ${String(state.version)} is not ${SUPPORTED_STATE_VERSION}`);
      const builder = new StackStateIndexBuilder(stack, kinds, { where: `stack "${stack}": Terraform state` });
      state.resources.forEach((resource, i) => builder.addResource(resource, i));
      const header: StateHeader = { serial: state.serial, lineage: state.lineage };
      if (state.terraform_version !== undefined && state.terraform_version !== null) header.terraformVersion = state.terraform_version;
      built = builder.build(header).built();
    }
    this.serial = built.header.serial;
    this.lineage = built.header.lineage;
    this.terraformVersion = built.header.terraformVersion;
    this.managedInstances = built.managedInstances;
    this.byId = built.byId;
    this.byArn = built.byArn;
    this.kindIndexes = built.kindIndexes;
  }

  private built(): BuiltStackState {
    const header: StateHeader = { serial: this.serial, lineage: this.lineage };
    if (this.terraformVersion !== undefined) header.terraformVersion = this.terraformVersion;
    return { header, byId: this.byId, byArn: this.byArn, managedInstances: this.managedInstances, kindIndexes: this.kindIndexes };
  }

  /** Managed instances whose `attributes.id` is `id` (several types can share an id, e.g. a bucket and its versioning). */
  instancesWithId(id: string): readonly ManagedInstanceRef[] {
    return refs(this.byId.get(id));
  }

  /** Managed instances whose `attributes.arn` is `arn`. */
  instancesWithArn(arn: string): readonly ManagedInstanceRef[] {
    const byId = refs(this.byId.get(idFromArn(arn))).filter((ref) => ref.arn === arn);
    const byArn = refs(this.byArn.get(arn));
    return byId.length === 0 ? byArn : byArn.length === 0 ? byId : [...byId, ...byArn];
  }

  /** What `kind` built for this stack; throws when the index was built without that kind. */
  kindIndex<Entry, Index>(kind: StateKind<Entry, Index>): Index {
    if (!this.kindIndexes.has(kind as AnyStateKind)) {
      const known = [...this.kindIndexes.keys()].map((k) => k.name).join(', ') || 'none';
      throw new Error(`the state index of stack "${this.stack}" was built without the ${kind.name} kind (built with: ${known})`);
    }
    return this.kindIndexes.get(kind as AnyStateKind) as Index;
  }

  summary(): StackStateSummary {
    const kinds: Record<string, number> = {};
    for (const [kind, index] of this.kindIndexes) kinds[kind.name] = kind.count ? kind.count(index) : 0;
    const summary: StackStateSummary = {
      stack: this.stack,
      serial: this.serial,
      lineage: this.lineage,
      managedInstances: this.managedInstances,
      kinds,
    };
    if (this.terraformVersion !== undefined) summary.terraformVersion = this.terraformVersion;
    return summary;
  }
}
