import type { Redis } from 'ioredis';

/**
 * HSET of a new record into a hash of time-boxed records (manual freezes, overrides, exceptions),
 * unless `max` of them are already active: atomically, so concurrent requests on several replicas
 * cannot pass the cap together. A record is active while its `until` is later than now and it
 * was neither lifted (`liftedAt`) nor removed (`deletedAt`). Times are ISO strings as written by
 * `Date.toISOString()`, whose order is their text order.
 */
const hsetUnderCapLua = `
-- KEYS[1] hash; ARGV[1] field, ARGV[2] value (JSON), ARGV[3] max active, ARGV[4] now (ISO)
local active = 0
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local ok, r = pcall(cjson.decode, raw)
  if ok and type(r) == 'table' and type(r['until']) == 'string' and r['until'] > ARGV[4]
    and (r['liftedAt'] == nil or r['liftedAt'] == cjson.null)
    and (r['deletedAt'] == nil or r['deletedAt'] == cjson.null) then
    active = active + 1
  end
end
if active >= tonumber(ARGV[3]) then return active end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return -1
`;

/** A record was refused: `max` records are active already. */
export class ActiveLimitError extends Error {
  constructor(
    readonly active: number,
    readonly max: number,
  ) {
    super(`${active} active already; the limit is ${max}`);
    this.name = 'ActiveLimitError';
  }
}

export async function hsetUnderCap(
  redis: Redis,
  key: string,
  field: string,
  value: string,
  opts: { max: number; now: Date },
): Promise<void> {
  const result = Number(await redis.eval(hsetUnderCapLua, 1, key, field, value, String(opts.max), opts.now.toISOString()));
  if (result >= 0) throw new ActiveLimitError(result, opts.max);
}
