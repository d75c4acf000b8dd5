/**
 * The SECOND process of the freeze-propagation measurement (forked by freeze-propagation.ts).
 *
 * A replica's view of the freeze, built exactly as the controller builds it: a FreezeService
 * over a FreezeStore on the same Redis prefix, subscribed to the freeze channel with its own
 * ioredis connection. On every pub/sub message it evaluates `effective(target).frozen` and, when
 * the answer changed, tells the parent over IPC at once.
 *
 * argv[2]: JSON ObserverArgs. Messages to the parent: ObserverMessage.
 */
import type { ScopeTarget } from '@driftwarden/domain';
import { FreezeService, FreezeStore, type FreezeSettings } from '@driftwarden/freeze';
import { RedisKeys, createRedis } from '@driftwarden/redis';
import { AuditLog } from '@driftwarden/store';

export interface ObserverArgs {
  redisUrl: string;
  prefix: string;
  settings: FreezeSettings;
  target: ScopeTarget;
}

export type ObserverMessage =
  /** Subscribed; `frozen` is the freeze as first evaluated. */
  | { type: 'ready'; frozen: boolean; sources: string[] }
  /** The effective freeze changed on a pub/sub message (`messages`: how many were received so far). */
  | { type: 'state'; frozen: boolean; sources: string[]; messages: number }
  | { type: 'error'; message: string };

function send(message: ObserverMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw || !process.send) throw new Error('freeze-observer: expects JSON arguments and an IPC channel (child_process.fork)');
  const args = JSON.parse(raw) as ObserverArgs;
  const redis = createRedis({ url: args.redisUrl, name: 'driftwarden-bench:observer' });
  const subscriber = createRedis({ url: args.redisUrl, name: 'driftwarden-bench:observer-sub', blocking: true });
  const keys = new RedisKeys(args.prefix);
  const store = new FreezeStore(redis, keys, new AuditLog(redis, keys));
  const freeze = new FreezeService(store, args.settings);

  let last: boolean | null = null;
  let messages = 0;
  const evaluate = async (): Promise<{ frozen: boolean; sources: string[] }> => {
    const e = await freeze.effective(args.target, new Date());
    return { frozen: e.frozen, sources: e.sources.map((s) => s.id) };
  };
  await freeze.listen(subscriber, () => {
    messages++;
    evaluate().then(
      (e) => {
        if (e.frozen !== last) {
          last = e.frozen;
          send({ type: 'state', ...e, messages });
        }
      },
      (err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  });
  const first = await evaluate();
  last = first.frozen;
  send({ type: 'ready', ...first });

  // The parent disconnects the IPC channel when done: close the connections and exit.
  process.on('disconnect', () => {
    void freeze.close().finally(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
