// Redis Lua scripts: each runs atomically on the server. Kept as strings so the build ships them.

export const acceptItemLua = `
-- Accepts one config item for a resource, atomically.
-- KEYS[1] item hash, KEYS[2] resource hash, KEYS[3] pending zset, KEYS[4] audit stream
-- ARGV[1] eventId, ARGV[2] resourceKey, ARGV[3] order, ARGV[4] body (JSON),
-- ARGV[5] ttl seconds, ARGV[6] now (ISO), ARGV[7] audit maxlen
-- Returns {status, detail}: accepted | duplicate_pending | duplicate | stale
if redis.call('EXISTS', KEYS[1]) == 1 then
  local outcome = redis.call('HGET', KEYS[1], 'outcome')
  if (not outcome) or outcome == '' then
    return {'duplicate_pending', ''}
  end
  return {'duplicate', outcome}
end
local order = tonumber(ARGV[3])
local processed = tonumber(redis.call('HGET', KEYS[2], 'processedOrder') or '-1')
if order <= processed then
  local by = redis.call('HGET', KEYS[2], 'processedId') or ''
  redis.call('HSET', KEYS[1], 'rk', ARGV[2], 'order', ARGV[3], 'body', ARGV[4], 'outcome', 'stale',
    'decidedAt', ARGV[6], 'supersededBy', by)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'e', cjson.encode({
    at = ARGV[6], type = 'item.stale', actor = 'pipeline', eventId = ARGV[1], resourceKey = ARGV[2],
    reason = 'older than item ' .. by .. ' already processed for this resource; never acted on' }))
  return {'stale', by}
end
redis.call('HSET', KEYS[1], 'rk', ARGV[2], 'order', ARGV[3], 'body', ARGV[4], 'outcome', '')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('ZADD', KEYS[3], order, ARGV[1])
return {'accepted', ''}
`;

export const claimLatestLua = `
-- Claims the newest pending item of a resource; older pending ones are coalesced into it.
-- KEYS[1] resource hash, KEYS[2] pending zset
-- ARGV[1] item key prefix (ends with ':'), ARGV[2] now (ISO), ARGV[3] drift key prefix (ends with ':')
-- Returns {eventId, body, coalescedIdsJSON, openDriftJSON} or {} when nothing is pending.
local claimed = redis.call('HGET', KEYS[1], 'claimed')
if claimed and claimed ~= '' then
  -- A previous run claimed an item and did not commit (crash, retry): put it back.
  local item = ARGV[1] .. claimed
  local outcome = redis.call('HGET', item, 'outcome')
  if outcome == '' then
    local order = redis.call('HGET', item, 'order')
    if order then redis.call('ZADD', KEYS[2], tonumber(order), claimed) end
  end
  redis.call('HSET', KEYS[1], 'claimed', '')
end
local top = redis.call('ZREVRANGE', KEYS[2], 0, 0)
if #top == 0 then
  return {}
end
local latest = top[1]
local older = redis.call('ZRANGE', KEYS[2], 0, -2)
for _, id in ipairs(older) do
  redis.call('HSET', ARGV[1] .. id, 'outcome', 'coalesced', 'decidedAt', ARGV[2], 'supersededBy', latest)
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'claimed', latest)
local body = redis.call('HGET', ARGV[1] .. latest, 'body')
-- The resource's open drift comes along, saving the caller two round trips.
local open = redis.call('HGET', KEYS[1], 'openDrift')
local openJson = ''
if open and open ~= '' then
  openJson = redis.call('GET', ARGV[3] .. open) or ''
end
return {latest, body or '', cjson.encode(older), openJson}
`;

export const saveDriftLua = `
-- Writes a drift record (compare-and-set) and its indexes, optionally committing the decision
-- on an item, and appends one audit entry, all atomically.
-- KEYS[1] drift key, KEYS[2] audit stream, KEYS[3] item hash or '', KEYS[4] resource hash
-- ARGV[1] key prefix (ends with ':'), ARGV[2] driftId or '', ARGV[3] expected previous JSON or '' (new) or '*' (any),
-- ARGV[4] new JSON or '' (no record change), ARGV[5] old status or '', ARGV[6] new status,
-- ARGV[7] account, ARGV[8] resourceKey, ARGV[9] open ('1'|'0'), ARGV[10] audit entry JSON,
-- ARGV[11] audit maxlen, ARGV[12] eventId or '', ARGV[13] item order or '', ARGV[14] now (ISO),
-- ARGV[15] item outcome, ARGV[16] item key prefix (ends with ':'), ARGV[17] item ttl seconds,
-- ARGV[18] keep the item ('1': the resource's latest decided item is kept without expiry, so a
-- held drift or a lapsed exception can be decided again on it however long that takes; the one
-- it replaces gets the normal expiry back; a deletion item keeps its expiry)
-- Returns 'ok' | 'conflict' | 'already' | 'not_claimed'
local p = ARGV[1]
if KEYS[3] ~= '' then
  local outcome = redis.call('HGET', KEYS[3], 'outcome')
  if outcome and outcome ~= '' then return 'already' end
  if redis.call('HGET', KEYS[4], 'claimed') ~= ARGV[12] then return 'not_claimed' end
end
if ARGV[4] ~= '' then
  local current = redis.call('GET', KEYS[1])
  if ARGV[3] == '' then
    if current then return 'conflict' end
  elseif ARGV[3] ~= '*' then
    if current ~= ARGV[3] then return 'conflict' end
  end
  redis.call('SET', KEYS[1], ARGV[4])
  local seq = redis.call('ZSCORE', p .. 'drifts:all', ARGV[2])
  if not seq then
    seq = redis.call('INCR', p .. 'drifts:seq')
    redis.call('ZADD', p .. 'drifts:all', seq, ARGV[2])
    redis.call('ZADD', p .. 'drifts:account:' .. ARGV[7], seq, ARGV[2])
    redis.call('ZADD', p .. 'drifts:res:' .. ARGV[8], seq, ARGV[2])
  end
  if ARGV[5] ~= '' and ARGV[5] ~= ARGV[6] then
    redis.call('ZREM', p .. 'drifts:status:' .. ARGV[5], ARGV[2])
  end
  redis.call('ZADD', p .. 'drifts:status:' .. ARGV[6], seq, ARGV[2])
  if ARGV[9] == '1' then
    redis.call('HSET', KEYS[4], 'openDrift', ARGV[2])
  elseif redis.call('HGET', KEYS[4], 'openDrift') == ARGV[2] then
    redis.call('HSET', KEYS[4], 'openDrift', '')
  end
end
if KEYS[3] ~= '' then
  redis.call('HSET', KEYS[3], 'outcome', ARGV[15], 'decidedAt', ARGV[14], 'driftId', ARGV[2])
  local previous = redis.call('HGET', KEYS[4], 'processedId')
  if previous and previous ~= '' and previous ~= ARGV[12] then
    redis.call('EXPIRE', ARGV[16] .. previous, tonumber(ARGV[17]))
  end
  if ARGV[18] == '1' then redis.call('PERSIST', KEYS[3]) end
  redis.call('HSET', KEYS[4], 'processedOrder', ARGV[13], 'processedId', ARGV[12], 'claimed', '')
end
if ARGV[10] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[11], '*', 'e', ARGV[10])
end
return 'ok'
`;
