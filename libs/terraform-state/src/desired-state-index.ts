/**
 * The desired state of every configured stack (DESIGN.md §2 "Desired state"): each stack's
 * Terraform state, streamed from its source, cached by version (S3 ETag / file mtime), indexed
 * by AWS id and arn (every managed instance) and by what the configured resource kinds keep
 * (index/state-kind.ts). A security group is managed when a stack covering its account and
 * region declares it (the group or rules targeting it); a resource owned by no stack is
 * unmanaged.
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
import { type ManagedSecurityGroup, type SecurityGroupLookup, resolveSecurityGroup } from './index/resolve-security-group';
import { locationFromArn } from './index/security-group-state';
import { DEFAULT_STATE_KINDS, type StackStateIndex, type StackStateSummary, type StateEntry, locationMatches } from './index/stack-state-index';
import type { AnyStateKind, ManagedInstanceRef } from './index/state-kind';
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
  /** The resource kinds whose Terraform types are kept (default: security groups). */
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

export interface StackOwnership {
  stack: string;
  /** Groups whose `aws_security_group` is in this stack. */
  securityGroups: string[];
  /** Groups this stack only adds rule resources to. */
  ruleTargets: string[];
}

export interface RuleOwner {
  stack: string;
  address: string;
  groupId: string;
}

/** An AWS resource some stack manages, as the generic index knows it (any resource type). */
export type ManagedResourceRef = ManagedInstanceRef;

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

/** Resolved groups kept at most (cleared whole when exceeded, and on every index change). */
const SECURITY_GROUP_CACHE_LIMIT = 20_000;

/** A copy the caller may change: the cached rules are frozen and shared, the containers are not. */
function copyOf(sg: ManagedSecurityGroup): ManagedSecurityGroup {
  return {
    ...sg,
    stacks: [...sg.stacks],
    desiredRules: [...sg.desiredRules],
    ruleOwners: new Map(sg.ruleOwners),
    ruleStacks: new Map(sg.ruleStacks),
    ruleIds: new Map(sg.ruleIds),
    tags: { ...sg.tags },
    addresses: [...sg.addresses],
    unconfirmedInlineRules: [...sg.unconfirmedInlineRules],
    warnings: [...sg.warnings],
  };
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
  /** `account/region/groupId` → the resolved group, valid until any stack's index changes. */
  private readonly securityGroups = new Map<string, ManagedSecurityGroup>();

  constructor(
    stacks: readonly DesiredStateStack[],
    sourceFor: (stack: DesiredStateStack) => StateSource,
    private readonly options: DesiredStateIndexOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.kinds = options.kinds ?? DEFAULT_STATE_KINDS;
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
   * The desired state of a security group, or `{ managed: false, reason }` when no stack
   * covering the account and region declares it. Throws when a covering stack's state cannot
   * be read.
   */
  async lookupSecurityGroup(account: string, region: string, groupId: string): Promise<SecurityGroupLookup> {
    const slots = this.covering(account, region);
    if (slots.length === 0) {
      return { managed: false, groupId, reason: `no configured stack covers account ${account} in ${region}` };
    }
    const indexes = await this.ready(slots);
    const key = `${account}/${region}/${groupId}`;
    const cached = this.securityGroups.get(key);
    if (cached) return copyOf(cached);
    const entries: StateEntry[] = [];
    for (const index of indexes) {
      for (const entry of index.entriesFor(groupId)) if (locationMatches(entry.location, account, region)) entries.push(entry);
    }
    const resolved = resolveSecurityGroup(groupId, entries);
    if (resolved) {
      // Cached only if no refresh replaced an index meanwhile (it cleared the cache already).
      if (slots.every((slot, k) => slot.index === indexes[k])) {
        if (this.securityGroups.size >= SECURITY_GROUP_CACHE_LIMIT) this.securityGroups.clear();
        this.securityGroups.set(key, resolved);
      }
      return copyOf(resolved);
    }
    const names = slots.map((s) => `"${s.config.name}"`).join(', ');
    return {
      managed: false,
      groupId,
      reason: `${groupId} is in the Terraform state of no stack covering account ${account} in ${region} (checked ${names})`,
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

  /** The rule resource that created AWS rule `ruleId` (`sgr-…`), if a covering stack has one. */
  async lookupRule(account: string, region: string, ruleId: string): Promise<RuleOwner | undefined> {
    const indexes = await this.ready(this.covering(account, region));
    for (const index of indexes) {
      const entry = index.ruleEntry(ruleId);
      if (entry && locationMatches(entry.location, account, region)) return { stack: entry.stack, address: entry.address, groupId: entry.groupId };
    }
    return undefined;
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

  /** Which stack owns which security groups (from the states loaded so far). */
  ownership(): StackOwnership[] {
    return [...this.slots.values()].map((slot) => {
      const owned = slot.index?.ownedSecurityGroupIds() ?? [];
      const ownedSet = new Set(owned);
      return {
        stack: slot.config.name,
        securityGroups: owned,
        ruleTargets: (slot.index?.securityGroupIds() ?? []).filter((id) => !ownedSet.has(id)),
      };
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
      this.securityGroups.clear();
      return { stack, status: 'loaded', serial: index.serial };
    } catch (err) {
      const error = inStack(stack, err);
      slot.error = error;
      slot.errorVersion = err instanceof TerraformStateFormatError && version !== undefined ? version : undefined;
      this.securityGroups.clear();
      return { stack, status: 'failed', error };
    }
  }

  private maxBytesOf(stack: DesiredStateStack): number {
    const megabytes = stack.state.maxMegabytes;
    return megabytes !== undefined ? megabytes * 1024 * 1024 : (this.options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES);
  }
}
