// Redis Lua scripts: each runs atomically on the server. Kept as strings so the build ships them.
import { AUDIT_CHAIN_LUA } from './audit-chain.lua';

export const acceptItemsLua = `${AUDIT_CHAIN_LUA}
-- Accepts config items, each atomically and in the order given (a batch in one script run: one
-- command for an ingest batch instead of one per item; items of one resource are taken in order,
-- as separate calls would).
-- KEYS[1] audit stream, KEYS[2] audit chain head, then for item i (from 0):
--   KEYS[3+3i] item hash, KEYS[4+3i] resource hash, KEYS[5+3i] pending zset
-- ARGV[1] ttl seconds, ARGV[2] now (ISO), ARGV[3] audit maxlen, then for item i:
--   ARGV[4+4i] eventId, ARGV[5+4i] resourceKey, ARGV[6+4i] order, ARGV[7+4i] body (JSON)
-- Returns {status, detail} per item, flattened: accepted | duplicate_pending | duplicate | stale
local n = (#KEYS - 2) / 3
if n ~= math.floor(n) or #ARGV ~= 3 + 4 * n then
  return redis.error_reply('dwAcceptItems: ' .. #KEYS .. ' keys and ' .. #ARGV .. ' arguments do not describe whole items')
end
local ttl = tonumber(ARGV[1])
local function accept(item, res, pending, id, rk, orderArg, body)
  if redis.call('EXISTS', item) == 1 then
    local outcome = redis.call('HGET', item, 'outcome')
    if (not outcome) or outcome == '' then
      return 'duplicate_pending', ''
    end
    return 'duplicate', outcome
  end
  local order = tonumber(orderArg)
  local processed = tonumber(redis.call('HGET', res, 'processedOrder') or '-1')
  if order <= processed then
    local by = redis.call('HGET', res, 'processedId') or ''
    redis.call('HSET', item, 'rk', rk, 'order', orderArg, 'body', body, 'outcome', 'stale',
      'decidedAt', ARGV[2], 'supersededBy', by)
    redis.call('EXPIRE', item, ttl)
    local entry = dw_canonical_strings({
      at = ARGV[2], type = 'item.stale', actor = 'pipeline', eventId = id, resourceKey = rk,
      reason = 'older than item ' .. by .. ' already processed for this resource; never acted on' })
    dw_audit_append(KEYS[1], KEYS[2], ARGV[3], entry, dw_sha256(entry))
    return 'stale', by
  end
  redis.call('HSET', item, 'rk', rk, 'order', orderArg, 'body', body, 'outcome', '')
  redis.call('EXPIRE', item, ttl)
  redis.call('ZADD', pending, order, id)
  -- The pending set lives no longer than its items (the claim deletes it).
  redis.call('EXPIRE', pending, ttl)
  return 'accepted', ''
end
local out = {}
for i = 0, n - 1 do
  local status, detail = accept(KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i],
    ARGV[4 + 4 * i], ARGV[5 + 4 * i], ARGV[6 + 4 * i], ARGV[7 + 4 * i])
  out[#out + 1] = status
  out[#out + 1] = detail
end
return out
`;

/** The claim of one resource, as a Lua function: dw_claim_latest(KEYS, ARGV) with the KEYS and ARGV below. */
const CLAIM_LATEST_FUNCTION = `
-- Claims the newest pending item of a resource; older pending ones are coalesced into it.
-- KEYS[1] resource hash, KEYS[2] pending zset, KEYS[3] audit stream, KEYS[4] audit chain head,
-- KEYS[5] the claiming run's lock: the key its job queue keeps while the run is alive (BullMQ's
-- job lock; KEYS[1] again when the claim has no holder: ARGV[6] is then '')
-- ARGV[1] item key prefix (ends with ':'), ARGV[2] now (ISO), ARGV[3] drift key prefix (ends with ':'),
-- ARGV[4] resource ttl seconds (a resource hash with nothing open expires: see saveDriftLua),
-- ARGV[5] audit maxlen, ARGV[6] the claiming run's lock token, or ''
-- Returns {eventId, body, coalescedIdsJSON, openDriftJSON}, {} when nothing is pending, or
-- {'busy'} when another run that is still alive (its lock still holds its token) has a claim on
-- the resource: one resource is never evaluated by two runs at once.
local function dw_claim_latest(KEYS, ARGV)
  local claimed = redis.call('HGET', KEYS[1], 'claimed')
  if claimed and claimed ~= '' then
    local holder = redis.call('HMGET', KEYS[1], 'holderLock', 'holderToken')
    if holder[2] and holder[2] ~= '' and holder[2] ~= ARGV[6] and redis.call('GET', holder[1]) == holder[2] then
      return {'busy'}
    end
    -- A previous run claimed an item and did not commit (crash, retry): put it back.
    local item = ARGV[1] .. claimed
    local outcome = redis.call('HGET', item, 'outcome')
    if outcome == '' then
      local order = redis.call('HGET', item, 'order')
      if order then redis.call('ZADD', KEYS[2], tonumber(order), claimed) end
    end
    redis.call('HSET', KEYS[1], 'claimed', '')
  end
  -- The newest pending item still in the ledger (one that waited longer than the duplicate
  -- window has expired: it is dropped here, never recreated half-empty).
  local latest = nil
  while true do
    local top = redis.call('ZREVRANGE', KEYS[2], 0, 0)
    if #top == 0 then break end
    if redis.call('EXISTS', ARGV[1] .. top[1]) == 1 then
      latest = top[1]
      break
    end
    redis.call('ZREM', KEYS[2], top[1])
  end
  if not latest then
    return {}
  end
  -- Items accepted while a newer one was claimed and not yet decided are older than what was
  -- decided meanwhile: stale, never acted on (deciding one would judge the resource by a state it
  -- has left, and move the processed order backwards).
  local processed = tonumber(redis.call('HGET', KEYS[1], 'processedOrder') or '-1')
  if tonumber(redis.call('HGET', ARGV[1] .. latest, 'order') or '-1') < processed then
    local by = redis.call('HGET', KEYS[1], 'processedId') or ''
    for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
      if redis.call('EXISTS', ARGV[1] .. id) == 1 then
        redis.call('HSET', ARGV[1] .. id, 'outcome', 'stale', 'decidedAt', ARGV[2], 'supersededBy', by)
        local body = dw_canonical_strings({
          at = ARGV[2], type = 'item.stale', actor = 'pipeline', eventId = id,
          resourceKey = redis.call('HGET', ARGV[1] .. id, 'rk') or '',
          reason = 'older than item ' .. by .. ', decided while it waited; never acted on' })
        dw_audit_append(KEYS[3], KEYS[4], ARGV[5], body, dw_sha256(body))
      end
    end
    redis.call('DEL', KEYS[2])
    return {}
  end
  local older = {}
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -2)) do
    if redis.call('EXISTS', ARGV[1] .. id) == 1 then
      redis.call('HSET', ARGV[1] .. id, 'outcome', 'coalesced', 'decidedAt', ARGV[2], 'supersededBy', latest)
      older[#older + 1] = id
    end
  end
  redis.call('DEL', KEYS[2])
  -- Without a holder the token is '': such a claim is never seen as busy.
  redis.call('HSET', KEYS[1], 'claimed', latest, 'holderLock', KEYS[5], 'holderToken', ARGV[6])
  local body = redis.call('HGET', ARGV[1] .. latest, 'body')
  -- The resource's open drift comes along, saving the caller two round trips.
  local open = redis.call('HGET', KEYS[1], 'openDrift')
  local openJson = ''
  if open and open ~= '' then
    openJson = redis.call('GET', ARGV[3] .. open) or ''
  elseif redis.call('TTL', KEYS[1]) == -1 then
    -- A new resource hash (or one of a resource with nothing open): it expires unless the
    -- decision opens a drift.
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
  end
  return {latest, body or '', cjson.encode(older), openJson}
end
`;

export const claimLatestLua = `${AUDIT_CHAIN_LUA}${CLAIM_LATEST_FUNCTION}
return dw_claim_latest(KEYS, ARGV)
`;

export const claimManyLua = `${AUDIT_CHAIN_LUA}${CLAIM_LATEST_FUNCTION}
-- Claims the newest pending item of several resources for one run (a batch job's), each exactly
-- as claimLatestLua would, one after the other, in one round trip.
-- KEYS[1] audit stream, KEYS[2] audit chain head, KEYS[3] the claiming run's lock (as KEYS[5] above),
-- then for resource i (from 1): KEYS[2i+2] its resource hash, KEYS[2i+3] its pending zset
-- ARGV[1..6] as above, for every resource
-- Returns five values per resource, flattened: {'claimed', eventId, body, coalescedIdsJSON,
-- openDriftJSON}, {'none', '', '', '', ''} when nothing is pending, or {'busy', '', '', '', ''} when
-- another live run holds its claim.
local n = (#KEYS - 3) / 2
if n ~= math.floor(n) or n < 0 or #ARGV ~= 6 then
  return redis.error_reply('dwClaimMany: ' .. #KEYS .. ' keys and ' .. #ARGV .. ' arguments do not describe whole resources')
end
local out = {}
for i = 1, n do
  local claim = dw_claim_latest({KEYS[2 * i + 2], KEYS[2 * i + 3], KEYS[1], KEYS[2], KEYS[3]}, ARGV)
  if #claim == 4 then
    out[#out + 1] = 'claimed'
  else
    out[#out + 1] = #claim == 1 and 'busy' or 'none'
  end
  for v = 1, 4 do out[#out + 1] = #claim == 4 and claim[v] or '' end
end
return out
`;

export const saveDriftLua = `${AUDIT_CHAIN_LUA}
-- Writes a drift record (compare-and-set) and its indexes, optionally committing the decision
-- on an item, and appends one audit entry, all atomically; then sets the retention of the
-- record and of the resource. Its arguments, as dw_save_drift takes them:
-- KEYS[1] drift key, KEYS[2] audit stream, KEYS[3] item hash (a placeholder key in the same slot when
-- no item is committed: ARGV[12] is then ''; never '', which Redis Cluster hashes to another slot), KEYS[4] resource hash,
-- KEYS[5] audit chain head
-- ARGV[1] key prefix (ends with ':'), ARGV[2] driftId or '', ARGV[3] expected previous JSON or '' (new) or '*' (any),
-- ARGV[4] new JSON or '' (no record change), ARGV[5] old status or '', ARGV[6] new status,
-- ARGV[7] account, ARGV[8] resourceKey, ARGV[9] open ('1'|'0'), ARGV[10] audit entry (canonical JSON) or '',
-- ARGV[11] audit maxlen, ARGV[12] eventId or '', ARGV[13] item order or '', ARGV[14] now (ISO),
-- ARGV[15] item outcome, ARGV[16] item key prefix (ends with ':'), ARGV[17] item ttl seconds (the
-- duplicate window), ARGV[18] keep the item ('1': it stays the resource's latest decided item, so
-- a held drift or a lapsed exception can be decided again on it; a deletion item is not kept),
-- ARGV[19] resource ttl seconds, ARGV[20] closed record ttl seconds, ARGV[21] now (ms),
-- ARGV[22] SHA-256 of ARGV[10] (the audit chain's body hash), ARGV[23..25] the predicted seq,
-- previous hash and link of the audit entry, or '' (see dw_audit_append)
-- Retention: an open record never expires; a closed one expires ARGV[20] after this save and is
-- listed in 'drifts:expiry' (member "id|status|resourceKey", score = when) so the scheduler's
-- sweep removes its index entries. While the resource has an open drift its hash and its latest
-- kept item never expire; once nothing is open both expire after ARGV[19] (the item at least
-- after the duplicate window). The item a newer decided item replaces is back to the duplicate window,
-- and so is an item kept for 'replay --failed' (field 'failedItem') once decided or superseded.
-- Returns {result, chain head seq, chain head hash} (after this save); result is
-- 'ok' | 'conflict' | 'already' | 'not_claimed'
local function dw_save_drift(KEYS, ARGV)
  local p = ARGV[1]
  local function done(result)
    local h = redis.call('HMGET', KEYS[5], 'seq', 'hash')
    return {result, h[1] or '0', h[2] or ''}
  end
  if ARGV[12] ~= '' then
    local outcome = redis.call('HGET', KEYS[3], 'outcome')
    if outcome and outcome ~= '' then return done('already') end
    if redis.call('HGET', KEYS[4], 'claimed') ~= ARGV[12] then return done('not_claimed') end
  end
  if ARGV[4] ~= '' then
    local current = redis.call('GET', KEYS[1])
    if ARGV[3] == '' then
      if current then return done('conflict') end
    elseif ARGV[3] ~= '*' then
      if current ~= ARGV[3] then return done('conflict') end
    end
    -- SET clears any expiry: an open record never expires.
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
      redis.call('ZREM', p .. 'drifts:expiry', ARGV[2] .. '|' .. ARGV[5] .. '|' .. ARGV[8])
    end
    redis.call('ZADD', p .. 'drifts:status:' .. ARGV[6], seq, ARGV[2])
    local member = ARGV[2] .. '|' .. ARGV[6] .. '|' .. ARGV[8]
    if ARGV[9] == '1' then
      redis.call('ZREM', p .. 'drifts:expiry', member)
      redis.call('HSET', KEYS[4], 'openDrift', ARGV[2])
    else
      redis.call('EXPIRE', KEYS[1], tonumber(ARGV[20]))
      redis.call('ZADD', p .. 'drifts:expiry', tonumber(ARGV[21]) + tonumber(ARGV[20]) * 1000, member)
      if redis.call('HGET', KEYS[4], 'openDrift') == ARGV[2] then
        redis.call('HSET', KEYS[4], 'openDrift', '')
      end
    end
  end
  if ARGV[12] ~= '' then
    redis.call('HSET', KEYS[3], 'outcome', ARGV[15], 'decidedAt', ARGV[14], 'driftId', ARGV[2])
    local previous = redis.call('HGET', KEYS[4], 'processedId')
    if previous and previous ~= '' and previous ~= ARGV[12] then
      redis.call('EXPIRE', ARGV[16] .. previous, tonumber(ARGV[17]))
    end
    redis.call('HSET', KEYS[4], 'processedOrder', ARGV[13], 'processedId', ARGV[12], 'claimed', '', 'keepProcessed', ARGV[18])
    -- An item whose evaluation failed for good was kept for 'replay --failed'; decided now (or
    -- superseded by this newer decision), it is back to the duplicate window.
    local failed = redis.call('HGET', KEYS[4], 'failedItem')
    if failed and failed ~= '' then
      if failed ~= ARGV[12] or ARGV[18] ~= '1' then redis.call('EXPIRE', ARGV[16] .. failed, tonumber(ARGV[17])) end
      redis.call('HDEL', KEYS[4], 'failedItem')
    end
  end
  if redis.call('EXISTS', KEYS[4]) == 1 then
    local open = redis.call('HGET', KEYS[4], 'openDrift')
    local latest = redis.call('HGET', KEYS[4], 'processedId')
    local kept = latest and latest ~= '' and redis.call('HGET', KEYS[4], 'keepProcessed') ~= '0'
    if open and open ~= '' then
      redis.call('PERSIST', KEYS[4])
      if kept then redis.call('PERSIST', ARGV[16] .. latest) end
    else
      redis.call('EXPIRE', KEYS[4], tonumber(ARGV[19]))
      if kept then redis.call('EXPIRE', ARGV[16] .. latest, math.max(tonumber(ARGV[19]), tonumber(ARGV[17]))) end
      -- Its failed drift ended without the item being decided again (rejected, say): not kept for good.
      local failed = redis.call('HGET', KEYS[4], 'failedItem')
      if failed and failed ~= '' then
        redis.call('EXPIRE', ARGV[16] .. failed, math.max(tonumber(ARGV[19]), tonumber(ARGV[17])))
        redis.call('HDEL', KEYS[4], 'failedItem')
      end
    end
  end
  if ARGV[10] ~= '' then
    dw_audit_append(KEYS[2], KEYS[5], ARGV[11], ARGV[10], ARGV[22], ARGV[23], ARGV[24], ARGV[25])
  end
  return done('ok')
end

-- How they arrive: KEYS as above; ARGV[1] is a JSON array of ARGV[1..25] as strings, with ARGV[3],
-- ARGV[4] and ARGV[10] left '': those come as ARGV[2], ARGV[3] and ARGV[4] (the records and the
-- audit entry, too large to encode twice). Four command arguments instead of 25: the client's cost
-- is per argument (npm run bench -- --profile-pipeline).
local argv = #ARGV == 4 and cjson.decode(ARGV[1])
if type(argv) ~= 'table' or #argv ~= 25 then
  return redis.error_reply('dwSaveDrift: expected a JSON array of 25 arguments and 3 more, got ' .. #ARGV .. ' arguments')
end
argv[3], argv[4], argv[10] = ARGV[2], ARGV[3], ARGV[4]
return dw_save_drift(KEYS, argv)
`;

export const sweepExpiredDriftsLua = `
-- Removes closed drift records that are due (listed in the expiry index with a time at or
-- before now) with their entries in every index, at most ARGV[3] of them.
-- KEYS[1] the expiry zset ('drifts:expiry'; members "id|status|resourceKey")
-- ARGV[1] key prefix (ends with ':'), ARGV[2] now (ms), ARGV[3] limit
-- Returns {removed, looked at}
local p = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local removed = 0
for _, m in ipairs(due) do
  local a = string.find(m, '|', 1, true)
  local b = a and string.find(m, '|', a + 1, true)
  if b then
    local id = string.sub(m, 1, a - 1)
    local status = string.sub(m, a + 1, b - 1)
    local rk = string.sub(m, b + 1)
    local slash = string.find(rk, '/', 1, true)
    local key = p .. 'drift:' .. id
    -- A record without expiry is open (its entry here is stale): it stays.
    if redis.call('PTTL', key) ~= -1 then
      redis.call('DEL', key)
      redis.call('ZREM', p .. 'drifts:all', id)
      if slash then redis.call('ZREM', p .. 'drifts:account:' .. string.sub(rk, 1, slash - 1), id) end
      redis.call('ZREM', p .. 'drifts:res:' .. rk, id)
      redis.call('ZREM', p .. 'drifts:status:' .. status, id)
      removed = removed + 1
    end
  end
  redis.call('ZREM', KEYS[1], m)
end
return {removed, #due}
`;

export const backfillDriftsLua = `
-- Gives the closed drift records written before retention existed (no expiry) their retention,
-- counted from now, walking 'drifts:all' in creation order from a saved position.
-- KEYS[1] 'drifts:all', KEYS[2] 'drifts:expiry', KEYS[3] the backfill state hash
-- ARGV[1] key prefix (ends with ':'), ARGV[2] limit, ARGV[3] now (ms), ARGV[4] closed record ttl
-- seconds, ARGV[5] ignored record ttl seconds, ARGV[6] the closed statuses (JSON array)
-- Returns {records given a retention, looked at}
local p = ARGV[1]
local closed = {}
for _, s in ipairs(cjson.decode(ARGV[6])) do closed[s] = true end
local from = redis.call('HGET', KEYS[3], 'seq') or '-inf'
if from ~= '-inf' then from = '(' .. from end
local page = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local given = 0
for i = 1, #page, 2 do
  local id = page[i]
  local key = p .. 'drift:' .. id
  local raw = redis.call('GET', key)
  if raw and redis.call('PTTL', key) == -1 then
    local ok, r = pcall(cjson.decode, raw)
    if ok and type(r) == 'table' and closed[r['status']] and type(r['resource']) == 'table' then
      local res = r['resource']
      local ttl = tonumber(r['status'] == 'ignored' and ARGV[5] or ARGV[4])
      local rk = tostring(res['account']) .. '/' .. tostring(res['region']) .. '/' .. tostring(res['type']) .. '/' .. tostring(res['id'])
      redis.call('EXPIRE', key, ttl)
      redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + ttl * 1000, id .. '|' .. r['status'] .. '|' .. rk)
      given = given + 1
    end
  end
  redis.call('HSET', KEYS[3], 'seq', page[i + 1])
end
return {given, #page / 2}
`;

/**
 * SCAN on the node that holds KEYS[1]. On a Redis Cluster every key of an installation is in
 * one slot (the `{prefix}` hash tag), so a script that declares one of them runs on the node
 * that has them all, where a client's SCAN (no key) goes to any node and finds nothing there.
 * KEYS[1] any key of the installation; ARGV[1] cursor, ARGV[2] MATCH pattern, ARGV[3] COUNT.
 */
export const scanSlotLua = `
return redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
`;

export const backfillResourceLua = `
-- Gives a resource hash written before retention existed (no expiry) and its latest item their
-- retention, unless the resource has an open drift (then both are kept, as saveDriftLua does).
-- KEYS[1] resource hash; ARGV[1] item key prefix (ends with ':'), ARGV[2] resource ttl seconds,
-- ARGV[3] item ttl seconds. Returns 1 when it gave them a retention.
if redis.call('TTL', KEYS[1]) ~= -1 then return 0 end
local open = redis.call('HGET', KEYS[1], 'openDrift')
if open and open ~= '' then return 0 end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
local latest = redis.call('HGET', KEYS[1], 'processedId')
if latest and latest ~= '' and redis.call('TTL', ARGV[1] .. latest) == -1 then
  redis.call('EXPIRE', ARGV[1] .. latest, math.max(tonumber(ARGV[2]), tonumber(ARGV[3])))
end
return 1
`;

export const putCloudTrailLua = `
-- Stores CloudTrail calls and indexes them by resource, in one script run (one round trip per
-- delivery instead of two MULTI blocks). A call already stored is a duplicate: neither rewritten
-- nor indexed again.
-- KEYS: the call keys (one per call, in order), then each resource index key once.
-- ARGV[1] ttl seconds, ARGV[2] oldest kept call time (ms), ARGV[3] number of calls, then per
-- call: its event id, its time (ms), its JSON, how many index keys it names, and their
-- positions in KEYS (1-based).
-- Returns 1 (duplicate) or 0 (stored) per call.
local ttl = ARGV[1]
local n = tonumber(ARGV[3])
local out = {}
local trimmed = {}
local a = 4
for i = 1, n do
  local id, at, body, m = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  local stored = redis.call('SET', KEYS[i], body, 'EX', ttl, 'NX')
  out[i] = stored and 0 or 1
  for j = 1, m do
    local key = KEYS[tonumber(ARGV[a])]
    a = a + 1
    if stored then
      -- Calls older than the retention (their own keys have expired) leave the index first, so a
      -- call replayed late is still there until the next write.
      if not trimmed[key] then
        redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[2])
        trimmed[key] = true
      end
      redis.call('ZADD', key, at, id)
      redis.call('EXPIRE', key, ttl)
    end
  end
end
if a - 1 ~= #ARGV then
  return redis.error_reply('dwPutCloudTrail: ' .. #ARGV .. ' arguments, ' .. (a - 1) .. ' described')
end
return out
`;
