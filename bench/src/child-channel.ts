/**
 * A benchmark's forked process spoken to over IPC (the controller under test in decision-latency.ts
 * and soak.ts): messages are waited for by type with a deadline; an `error` message from the child
 * or its exit fails the pending wait and every later one, so a dead child is said at once.
 */
import type { ChildProcess } from 'node:child_process';
import { within } from './util';

export class ChildChannel<From extends { type: string }, To> {
  private readonly inbox: From[] = [];
  private waiter: { type: From['type']; resolve: (m: From) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  /**
   * `intercept`: handles a message itself (true) instead of queueing it (e.g. progress reports);
   * `hint`: added to a timeout's message (e.g. how far the child got).
   */
  constructor(
    readonly child: ChildProcess,
    private readonly opts: { name: string; intercept?: (m: From) => boolean; hint?: () => string } = { name: 'the child process' },
  ) {
    child.on('message', (raw) => {
      const m = raw as From;
      if (m.type === 'error') return this.fail(new Error(`${opts.name}: ${String((m as { message?: unknown }).message)}`));
      if (opts.intercept?.(m)) return;
      if (this.waiter?.type === m.type) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(m);
      } else this.inbox.push(m);
    });
    child.once('exit', (code, signal) => this.fail(new Error(`${opts.name} exited (${String(code ?? signal)})`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.waiter?.reject(err);
    this.waiter = null;
  }

  send(m: To): void {
    this.child.send(m as object);
  }

  next<T extends From['type']>(type: T, ms: number): Promise<Extract<From, { type: T }>> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Extract<From, { type: T }>);
    if (this.failure) return Promise.reject(this.failure);
    return within(
      new Promise<Extract<From, { type: T }>>((resolve, reject) => {
        this.waiter = { type, resolve: resolve as (m: From) => void, reject };
      }),
      ms,
      `${this.opts.name}'s "${type}"`,
    ).catch((e: unknown) => {
      const hint = this.opts.hint?.();
      throw new Error(`${e instanceof Error ? e.message : String(e)}${hint ? `; ${hint}` : ''}`, { cause: e });
    });
  }
}
