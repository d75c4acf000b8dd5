/**
 * The desired state of every configured stack (DESIGN.md §2 "Desired state"): each stack's
 * Terraform state, read from its source, cached by version (S3 ETag / file mtime), indexed by
 * AWS id. A security group is managed when a stack covering its account and region declares
 * it (the group or rules targeting it); a resource owned by no stack is unmanaged.
 *
 * Fail closed: when a covering stack's state cannot be read, a lookup throws (the stack's
 * TransientError / PermanentError) instead of answering "unmanaged" from partial knowledge.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { StackConfig } from '@driftwarden/config';
import type { PermanentError, TransientError } from '@driftwarden/domain';
import { type SecurityGroupLookup, resolveSecurityGroup } from './index/resolve-security-group';
import { StackStateIndex, type StackStateSummary, type StateEntry, locationMatches } from './index/stack-state-index';
import { FileStateSource } from './sources/file-state-source.adapter';
import { S3StateSource } from './sources/s3-state-source.adapter';
import type { StateSource, StateVersion } from './sources/state-source.port';
import { parseTerraformState } from './state/terraform-state.schema';
import { inStack } from './terraform-state.errors';

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

interface Slot {
  config: DesiredStateStack;
  source: StateSource;
  index?: StackStateIndex;
  version?: StateVersion;
  checkedAt?: number;
  loadedAt?: number;
  error?: TransientError | PermanentError;
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

  constructor(
    stacks: readonly DesiredStateStack[],
    sourceFor: (stack: DesiredStateStack) => StateSource,
    private readonly options: DesiredStateIndexOptions = {},
  ) {
    this.now = options.now ?? Date.now;
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
    const entries: StateEntry[] = [];
    for (const index of indexes) {
      for (const entry of index.entriesFor(groupId)) if (locationMatches(entry.location, account, region)) entries.push(entry);
    }
    const resolved = resolveSecurityGroup(groupId, entries);
    if (resolved) return resolved;
    const names = slots.map((s) => `"${s.config.name}"`).join(', ');
    return {
      managed: false,
      groupId,
      reason: `${groupId} is in the Terraform state of no stack covering account ${account} in ${region} (checked ${names})`,
    };
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
    try {
      // Without an index (first read, or content never parsed) there is nothing to keep: read in full.
      const result = await slot.source.read(slot.index ? slot.version : undefined);
      const now = this.now();
      if (result.status === 'unchanged' && slot.index) {
        slot.checkedAt = now;
        slot.error = undefined;
        return { stack, status: 'unchanged', serial: slot.index.serial };
      }
      if (result.status === 'unchanged') throw new Error(`${slot.source.origin} answered "not modified" to an unconditional read`);
      const state = parseTerraformState(result.body, { origin: slot.source.origin, stack });
      slot.index = new StackStateIndex(stack, state);
      slot.version = result.version;
      slot.checkedAt = now;
      slot.loadedAt = now;
      slot.error = undefined;
      return { stack, status: 'loaded', serial: state.serial };
    } catch (err) {
      const error = inStack(stack, err);
      slot.error = error;
      return { stack, status: 'failed', error };
    }
  }
}
