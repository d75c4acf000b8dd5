// The audit hash chain, in Lua: every script that appends to the audit stream includes this, so an
// entry, its place in the chain and the state change it records are written in one atomic step
// and several replicas appending at once keep one linear chain (README "Tamper-evident audit").
//
// Link hash of entry n (lower-case hex SHA-256):
//   hash_n = SHA-256( RFC 8785 canonical JSON of {"bodyHash": bodyHash_n, "prevHash": hash_(n-1), "seq": n} )
//   bodyHash_n = SHA-256( RFC 8785 canonical JSON of the entry without id, seq, prevHash, hash )
// The body hash is computed by the writer (Node, over the canonical body it stores); the link
// is computed here, where the previous hash is known. hash_0 is 64 zeros.
// Redis Lua has no SHA-256 (only sha1hex): it is implemented here with the bit library.

export const AUDIT_CHAIN_LUA = `
-- SHA-256 (FIPS 180-4). Its round constants are built inside, on a call: every run of a script
-- that includes this file would otherwise build the 64-entry table, and with the link predicted
-- in Node (ChainPredictor) most runs never hash.
local function dw_sha256(msg)
  local DW_K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2 }
  local band, bnot, bxor, rshift, ror, tobit = bit.band, bit.bnot, bit.bxor, bit.rshift, bit.ror, bit.tobit
  local len = #msg
  local bits = len * 8
  msg = msg .. '\\128' .. string.rep('\\0', (55 - len) % 64)
    .. string.char(0, 0, 0, 0) -- messages here are far below 512 MiB: the high word is zero
    .. string.char(math.floor(bits / 16777216) % 256, math.floor(bits / 65536) % 256, math.floor(bits / 256) % 256, bits % 256)
  local h0, h1, h2, h3 = 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
  local h4, h5, h6, h7 = 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  local w = {}
  for chunk = 1, #msg, 64 do
    for j = 1, 16 do
      local b1, b2, b3, b4 = string.byte(msg, chunk + (j - 1) * 4, chunk + (j - 1) * 4 + 3)
      w[j] = tobit(b1 * 16777216 + b2 * 65536 + b3 * 256 + b4)
    end
    for j = 17, 64 do
      local x, y = w[j - 15], w[j - 2]
      w[j] = tobit(w[j - 16] + bxor(ror(x, 7), ror(x, 18), rshift(x, 3)) + w[j - 7] + bxor(ror(y, 17), ror(y, 19), rshift(y, 10)))
    end
    local a, b, c, d, e, f, g, h = h0, h1, h2, h3, h4, h5, h6, h7
    for j = 1, 64 do
      local t1 = tobit(h + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(band(e, f), band(bnot(e), g)) + DW_K[j] + w[j])
      local t2 = tobit(bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bxor(band(a, b), band(a, c), band(b, c)))
      h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
    end
    h0, h1, h2, h3 = tobit(h0 + a), tobit(h1 + b), tobit(h2 + c), tobit(h3 + d)
    h4, h5, h6, h7 = tobit(h4 + e), tobit(h5 + f), tobit(h6 + g), tobit(h7 + h)
  end
  return bit.tohex(h0, 8) .. bit.tohex(h1, 8) .. bit.tohex(h2, 8) .. bit.tohex(h3, 8)
    .. bit.tohex(h4, 8) .. bit.tohex(h5, 8) .. bit.tohex(h6, 8) .. bit.tohex(h7, 8)
end

-- RFC 8785 canonical JSON of an object whose values are all strings (keys sorted; strings
-- escaped as ECMAScript JSON.stringify does), for entries a script composes itself.
local function dw_canonical_strings(obj)
  local keys = {}
  for k in pairs(obj) do keys[#keys + 1] = k end
  table.sort(keys)
  local function q(s)
    return '"' .. string.gsub(s, '[%c"\\\\]', function(ch)
      if ch == '"' then return '\\\\"' elseif ch == '\\\\' then return '\\\\\\\\'
      elseif ch == '\\b' then return '\\\\b' elseif ch == '\\f' then return '\\\\f'
      elseif ch == '\\n' then return '\\\\n' elseif ch == '\\r' then return '\\\\r'
      elseif ch == '\\t' then return '\\\\t'
      elseif string.byte(ch) == 127 then return ch
      else return string.format('\\\\u%04x', string.byte(ch)) end
    end) .. '"'
  end
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = q(k) .. ':' .. q(obj[k]) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- Appends one entry (canonical body JSON and its SHA-256) to the chained stream; trims it to
-- about maxlen entries and records the seq of the oldest retained entry ('floor') when it did.
-- head: hash with seq, hash (of the newest entry), id, floor, floorId.
-- The writer may send the link it expects (pSeq, pPrev, pLink: computed in Node from the head it
-- predicts, see ChainPredictor): it is used only when the head is exactly that (seq pSeq - 1 with
-- hash pPrev), which makes pLink the very value this script would compute; otherwise (another
-- writer came first, or no prediction) the link is computed here. Either way the chain is the same.
local function dw_audit_append(stream, head, maxlen, body, bodyHash, pSeq, pPrev, pLink)
  local seq = tonumber(redis.call('HGET', head, 'seq') or '0') + 1
  local prev = redis.call('HGET', head, 'hash') or string.rep('0', 64)
  local link
  if pLink and pLink ~= '' and pSeq == string.format('%d', seq) and pPrev == prev then
    link = pLink
  else
    link = dw_sha256('{"bodyHash":"' .. bodyHash .. '","prevHash":"' .. prev .. '","seq":' .. string.format('%d', seq) .. '}')
  end
  local id = redis.call('XADD', stream, '*', 'e', body, 's', string.format('%d', seq), 'p', prev, 'h', link)
  redis.call('HSET', head, 'seq', string.format('%d', seq), 'hash', link, 'id', id)
  if redis.call('XTRIM', stream, 'MAXLEN', '~', maxlen) > 0 then
    local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    for i = 1, #first[2], 2 do
      if first[2][i] == 's' then redis.call('HSET', head, 'floor', first[2][i + 1], 'floorId', first[1]) end
    end
  end
  return id
end
`;

/** Appends one chained entry; optionally only when the chain's newest seq is ARGV[4] (a checkpoint signs exactly its predecessor). */
export const appendAuditLua = `${AUDIT_CHAIN_LUA}
-- KEYS[1] audit stream, KEYS[2] chain head; ARGV[1] maxlen, ARGV[2] canonical body, ARGV[3] body hash,
-- ARGV[4] expected head seq or '' (any), ARGV[5..7] the predicted seq, previous hash and link, or ''
-- (see dw_audit_append). Returns {id, seq, prevHash, hash} or {} when the head moved.
if ARGV[4] ~= '' and (redis.call('HGET', KEYS[2], 'seq') or '0') ~= ARGV[4] then return {} end
local id = dw_audit_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[6], ARGV[7])
return {id, redis.call('HGET', KEYS[2], 'seq'), redis.call('XRANGE', KEYS[1], id, id)[1][2][6], redis.call('HGET', KEYS[2], 'hash')}
`;

/** Trims entries before a stream id (retention by age) and records the new floor. */
export const trimAuditLua = `
-- KEYS[1] audit stream, KEYS[2] chain head; ARGV[1] min id, ARGV[2] limit. Returns how many were removed.
local removed = redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[1], 'LIMIT', tonumber(ARGV[2]))
if removed > 0 then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  if first then
    for i = 1, #first[2], 2 do
      if first[2][i] == 's' then redis.call('HSET', KEYS[2], 'floor', first[2][i + 1], 'floorId', first[1]) end
    end
  else
    -- Everything was old enough: the next entry will be the oldest retained one.
    redis.call('HSET', KEYS[2], 'floor', string.format('%d', tonumber(redis.call('HGET', KEYS[2], 'seq') or '0') + 1), 'floorId', '')
  end
end
return removed
`;
