/**
 * The desired state of every configured stack (DESIGN.md §2 "Desired state"): each stack's
 * Terraform state, streamed from its source, cached by version (S3 ETag / file mtime), indexed
 * by AWS id and arn (every managed instance) and by what the configured resource kinds keep
 * (index/state-kind.ts). A resource is managed when a stack covering its account and region
 * declares it (how a kind decides, e.g. a security group targeted only by rule resources, is the
 * kind's business, through `kindIndexes`); a resource owned by no stack is unmanaged.
 *
 * Fail closed: when a covering stack's state cannot be read, a lookup throws (the stack's
 * TransientError / PermanentError) instead of answering "unmanaged" from partial knowledge.
 * A state that cannot be read (TerraformStateFormatError: malformed, truncated, wrong version,
 * too large) is not read again until its version changes.
 *
 * A refresh builds the new index beside the old one, which keeps answering lookups until the
 * new one is complete; the build yields to the event loop every `sliceMs`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { StackConfig } from '@driftwarden/config';
import type { PermanentError, TransientError } from '@driftwarden/domain';
import { locationFromArn, locationMatches } from './index/location';
import type { StackStateIndex, StackStateSummary } from './index/stack-state-index';
import type { AnyStateKind, ManagedInstanceRef, StateKind } from './index/state-kind';
import { FileStateSource } from './sources/file-state-source.adapter';
import { S3StateSource } from './sources/s3-state-source.adapter';
import type { StateSource, StateVersion } from './sources/state-source.port';
import { DEFAULT_MAX_STATE_BYTES, readStackStateIndex } from './state/read-state-stream';
import { TerraformStateFormatError, inStack } from './terraform-state.errors';

/** The part of a stack's config this index needs. */
export type DesiredStateStack = Pick<StackConfig, 'name' | 'accounts' | 'regions' | 'state'>;

export interface DesiredStateIndexOptions {
  /**
   * On lookup, re-read (conditionally) a stack whose state was last checked longer ago than
   * this. Default: never; call `refresh()` (e.g. after an IaC apply, or on a timer).
   */
  maxAgeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** The resource kinds whose Terraform types are kept (see index/state-kind.ts; default: none, ids and arns only). */
  kinds?: readonly AnyStateKind[];
  /** Refuse a state larger than this, unless its stack sets `state.maxMegabytes` (default 1 GiB). */
  maxStateBytes?: number;
  /** Longest stretch of synchronous work while building an index (default 5 ms). */
  sliceMs?: number;
}

export interface StackRefreshResult {
  stack: string;
  /** `loaded`: new content parsed; `unchanged`: the source said not modified; `failed`: see `error`. */
  status: 'loaded' | 'unchanged' | 'failed';
  serial?: number;
  error?: TransientError | PermanentError;
}

export interface StackStatus {
  stack: string;
  origin: string;
  accounts: string[];
  regions: string[];
  loaded: boolean;
  version?: StateVersion;
  /** Last successful read or not-modified answer (ISO). */
  checkedAt?: string;
  /** Last time new content was loaded (ISO). */
  loadedAt?: string;
  state?: StackStateSummary;
  error?: { code: string; message: string };
}

/** An AWS resource some stack manages, as the generic index knows it (any resource type). */
export type ManagedResourceRef = ManagedInstanceRef;

/** What one kind keeps of the stacks covering a location (see `DesiredStateIndex.kindIndexes`). */
export interface KindIndexes<Index> {
  /** The names of the covering stacks, in config order (for messages). */
  stacks: string[];
  /** Per covering stack: the kind's index, and the stack's whole state index it belongs to (its identity changes on every reload). */
  indexes: { stack: string; index: Index; state: StackStateIndex }[];
}

interface Slot {
  config: DesiredStateStack;
  source: StateSource;
  index?: StackStateIndex;
  version?: StateVersion;
  checkedAt?: number;
  loadedAt?: number;
  error?: TransientError | PermanentError;
  /** The version whose content could not be read (a permanent format error): not read again while unchanged. */
  errorVersion?: StateVersion;
  inFlight?: Promise<StackRefreshResult>;
}

/** The source for a stack's `state` config: S3 object (client for the bucket's region) or file. */
export function stateSourceFor(stack: DesiredStateStack, deps: { s3ClientFor: (region: string) => Pick<S3Client, 'send'> }): StateSource {
  const state = stack.state;
  if ('s3' in state) return new S3StateSource(state.s3, deps.s3ClientFor(state.s3.region));
  return new FileStateSource(state.file);
}

export class DesiredStateIndex {
  private readonly slots = new Map<string, Slot>();
  private readonly now: () => number;
  private readonly kinds: readonly AnyStateKind[];

  constructor(
    stacks: readonly DesiredStateStack[],
    sourceFor: (stack: DesiredStateStack) => StateSource,
    private readonly options: DesiredStateIndexOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.kinds = options.kinds ?? [];
    for (const config of stacks) this.slots.set(config.name, { config, source: sourceFor(config) });
  }

  /** From the `stacks` config, with S3 clients from `s3ClientFor(region)`. */
  static fromConfig(
    stacks: readonly DesiredStateStack[],
    deps: { s3ClientFor: (region: string) => Pick<S3Client, 'send'> },
    options?: DesiredStateIndexOptions,
  ): DesiredStateIndex {
    return new DesiredStateIndex(stacks, (stack) => stateSourceFor(stack, deps), options);
  }

  /** Names of the stacks whose accounts and regions include this location, in config order. */
  stacksCovering(account: string, region: string): string[] {
    return this.covering(account, region).map((s) => s.config.name);
  }

  /**
   * What `kind` keeps of each stack covering the account and region, in config order, loading or
   * re-checking states as needed: the kind answers its own lookups from them. Throws when a
   * covering stack's state cannot be read (fail closed: never "unmanaged" from partial
   * knowledge). Each stack's `index` object is replaced whenever its state is re-read, so a kind
   * may cache what it resolved as long as the objects are the same.
   */
  async kindIndexes<Entry, Index>(kind: StateKind<Entry, Index>, account: string, region: string): Promise<KindIndexes<Index>> {
    const slots = this.covering(account, region);
    const indexes = await this.ready(slots);
    return {
      stacks: slots.map((s) => s.config.name),
      indexes: indexes.map((index, i) => ({ stack: slots[i].config.name, index: index.kindIndex(kind), state: index })),
    };
  }

  /**
   * The managed resource instances, of any type, whose `id` or `arn` is `idOrArn`, in the stacks
   * covering the account and region (an instance whose arn names another account or region is
   * left out). Throws when a covering stack's state cannot be read.
   */
  async lookupManaged(account: string, region: string, idOrArn: string): Promise<ManagedResourceRef[]> {
    const indexes = await this.ready(this.covering(account, region));
    const found: ManagedResourceRef[] = [];
    for (const index of indexes) {
      const refs = idOrArn.startsWith('arn:') ? index.instancesWithArn(idOrArn) : index.instancesWithId(idOrArn);
      for (const ref of refs) if (locationMatches(locationFromArn(ref.arn), account, region)) found.push({ ...ref });
    }
    return found;
  }

  /**
   * Re-reads one stack's state (or all), conditionally on the cached version. Read failures are
   * returned, not thrown (and make lookups covering the stack throw until a read succeeds);
   * an unknown stack name throws.
   */
  async refresh(stackName?: string): Promise<StackRefreshResult[]> {
    let slots: Slot[];
    if (stackName === undefined) slots = [...this.slots.values()];
    else {
      const slot = this.slots.get(stackName);
      if (!slot) throw new Error(`unknown stack "${stackName}" (configured: ${[...this.slots.keys()].join(', ') || 'none'})`);
      slots = [slot];
    }
    return Promise.all(slots.map((slot) => this.refreshSlot(slot)));
  }

  /** What each stack's state holds, how fresh it is, and its last error. */
  /** The serial and lineage of a stack's loaded state (recorded as evidence with each decision). */
  stateHeader(stack: string): { serial: number; lineage: string } | undefined {
    const index = this.slots.get(stack)?.index;
    return index ? { serial: index.serial, lineage: index.lineage } : undefined;
  }

  status(): StackStatus[] {
    return [...this.slots.values()].map((slot) => {
      const status: StackStatus = {
        stack: slot.config.name,
        origin: slot.source.origin,
        accounts: [...slot.config.accounts],
        regions: [...slot.config.regions],
        loaded: slot.index !== undefined,
      };
      if (slot.version !== undefined) status.version = slot.version;
      if (slot.checkedAt !== undefined) status.checkedAt = new Date(slot.checkedAt).toISOString();
      if (slot.loadedAt !== undefined) status.loadedAt = new Date(slot.loadedAt).toISOString();
      if (slot.index) status.state = slot.index.summary();
      if (slot.error) status.error = { code: slot.error.code, message: slot.error.message };
      return status;
    });
  }

  private covering(account: string, region: string): Slot[] {
    return [...this.slots.values()].filter((s) => s.config.accounts.includes(account) && s.config.regions.includes(region));
  }

  /** Loads or re-checks the slots as needed; throws the first slot's error (fail closed). */
  private async ready(slots: readonly Slot[]): Promise<StackStateIndex[]> {
    await Promise.all(slots.filter((s) => this.needsRead(s)).map((s) => this.refreshSlot(s)));
    const indexes: StackStateIndex[] = [];
    for (const slot of slots) {
      if (slot.error) throw slot.error;
      if (!slot.index) throw inStack(slot.config.name, new Error('state not loaded'));
      indexes.push(slot.index);
    }
    return indexes;
  }

  private needsRead(slot: Slot): boolean {
    if (!slot.index || slot.error) return true;
    const maxAge = this.options.maxAgeMs;
    return maxAge !== undefined && (slot.checkedAt === undefined || this.now() - slot.checkedAt > maxAge);
  }

  private refreshSlot(slot: Slot): Promise<StackRefreshResult> {
    if (slot.inFlight) return slot.inFlight;
    const run = this.readSlot(slot).finally(() => {
      slot.inFlight = undefined;
    });
    slot.inFlight = run;
    return run;
  }

  private async readSlot(slot: Slot): Promise<StackRefreshResult> {
    const stack = slot.config.name;
    // After a state that could not be read, ask for anything but that version; else for
    // anything but the version indexed. Without either there is nothing to keep: read in full.
    const previous = slot.error && slot.errorVersion !== undefined ? slot.errorVersion : slot.index ? slot.version : undefined;
    let version: StateVersion | undefined;
    try {
      const result = await slot.source.read(previous);
      const now = this.now();
      if (result.status === 'unchanged' && previous !== undefined && previous === slot.errorVersion && slot.error) {
        slot.checkedAt = now;
        return { stack, status: 'failed', error: slot.error };
      }
      if (result.status === 'unchanged' && slot.index) {
        slot.checkedAt = now;
        slot.error = undefined;
        return { stack, status: 'unchanged', serial: slot.index.serial };
      }
      if (result.status === 'unchanged') throw new Error(`${slot.source.origin} answered "not modified" to an unconditional read`);
      version = result.version;
      // The old index keeps serving lookups while this one is built.
      const index = await readStackStateIndex(result.body, {
        origin: slot.source.origin,
        stack,
        kinds: this.kinds,
        maxBytes: this.maxBytesOf(slot.config),
        ...(result.size !== undefined ? { size: result.size } : {}),
        ...(this.options.sliceMs !== undefined ? { sliceMs: this.options.sliceMs } : {}),
      });
      slot.index = index;
      slot.version = result.version;
      slot.checkedAt = now;
      slot.loadedAt = now;
      slot.error = undefined;
      slot.errorVersion = undefined;
      return { stack, status: 'loaded', serial: index.serial };
    } catch (err) {
      const error = inStack(stack, err);
      slot.error = error;
      slot.errorVersion = err instanceof TerraformStateFormatError && version !== undefined ? version : undefined;
      return { stack, status: 'failed', error };
    }
  }

  private maxBytesOf(stack: DesiredStateStack): number {
    const megabytes = stack.state.maxMegabytes;
    return megabytes !== undefined ? megabytes * 1024 * 1024 : (this.options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES);
  }
}
