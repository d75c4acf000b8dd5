/**
 * An in-memory StateSource that behaves like the real ones: versions change with the content,
 * a read with the current version is `unchanged`, and failures can be queued.
 */
import { PermanentError } from '@driftwarden/domain';
import type { StateReadResult, StateSource, StateVersion } from '../sources/state-source.port';

export class InMemoryStateSource implements StateSource {
  private body: string | undefined;
  private version = 0;
  private readonly failures: unknown[] = [];
  /** Every read, with the version it was given. */
  readonly reads: Array<{ previous?: StateVersion }> = [];

  constructor(
    readonly origin = 'memory:terraform.tfstate',
    body?: string | object,
  ) {
    if (body !== undefined) this.set(body);
  }

  /** Replaces the state (a new version). */
  set(body: string | object): void {
    this.body = typeof body === 'string' ? body : JSON.stringify(body);
    this.version++;
  }

  /** The next read throws `err` (queued; one per call). */
  failNext(err: unknown): void {
    this.failures.push(err);
  }

  get currentVersion(): StateVersion {
    return `"v${this.version}"`;
  }

  async read(previous?: StateVersion): Promise<StateReadResult> {
    this.reads.push(previous === undefined ? {} : { previous });
    if (this.failures.length > 0) throw this.failures.shift();
    if (this.body === undefined)
      throw new PermanentError(`cannot read Terraform state ${this.origin}: no such state`, 'terraform_state_missing');
    if (previous === this.currentVersion) return { status: 'unchanged', version: previous };
    return { status: 'changed', body: this.body, version: this.currentVersion };
  }
}
