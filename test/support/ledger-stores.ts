import type { Redis } from 'ioredis';
import type { RedisKeys } from '@driftwarden/redis';
import { AuditLog, DriftStore, ItemLedger } from '@driftwarden/store';
import { testKeys, testRedis } from './redis';
import { dropPrefix, uniquePrefix } from './test-controller';

/** The item ledger with its drift store and audit log on real Redis, on a prefix of one test. */
export interface LedgerStores {
  readonly redis: Redis;
  readonly prefix: string;
  /** The prefix's key names (a hash tag in cluster mode). */
  readonly keys: RedisKeys;
  readonly audit: AuditLog;
  readonly ledger: ItemLedger;
  readonly store: DriftStore;
}

/**
 * Registers the hooks of a describe block that gives each test fresh stores on its own prefix
 * (deleted after the test); read the fields inside tests (they change per test).
 */
export function useLedgerStores(): LedgerStores {
  let redis: Redis;
  const current = {} as { -readonly [K in keyof LedgerStores]: LedgerStores[K] };
  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    const prefix = uniquePrefix();
    const keys = testKeys(prefix);
    const audit = new AuditLog(redis, keys);
    Object.assign(current, {
      redis,
      prefix,
      keys,
      audit,
      ledger: new ItemLedger(redis, keys, audit),
      store: new DriftStore(redis, keys, audit),
    });
  });
  afterEach(async () => dropPrefix(current.prefix));
  afterAll(() => redis.disconnect());
  return current;
}
