/**
 * The limit store's Lua, one script per operation, each run atomically by
 * Redis (nothing else runs between its reads and its writes). Counters are
 * plain integer strings; a windowed counter's key names its window, so a new
 * window is simply a new key, and old ones expire.
 */

/**
 * TAKE. KEYS[i]: counter i. ARGV, three per counter: cost, limit, ttl (ms,
 * refreshed on every take). All or nothing: each counter is checked in order
 * against what is already in it plus what this take puts in earlier (a key
 * named twice counts against itself); the first that would pass its limit
 * refuses the whole take and nothing is written.
 * Returns { refusedBy (0-based, -1 when admitted), used_1 .. used_n }: each
 * counter after the take when admitted, as it stands when refused.
 */
export const TAKE_LUA = `
local n = #KEYS
local current = {}
for i = 1, n do
  local k = KEYS[i]
  if current[k] == nil then current[k] = tonumber(redis.call('GET', k) or '0') end
end
local planned = {}
local refused = -1
for i = 1, n do
  local k = KEYS[i]
  local after = (planned[k] or current[k]) + tonumber(ARGV[3 * i - 2])
  if after > tonumber(ARGV[3 * i - 1]) then
    refused = i - 1
    break
  end
  planned[k] = after
end
local out = { refused }
for i = 1, n do
  local k = KEYS[i]
  if refused == -1 then
    redis.call('INCRBY', k, ARGV[3 * i - 2])
    redis.call('PEXPIRE', k, ARGV[3 * i])
    out[i + 1] = planned[k]
  else
    out[i + 1] = current[k]
  end
end
return out
`;

/**
 * ADJUST. KEYS[i]: counter i. ARGV, two per counter: delta (negative gives
 * back), and the ttl to refresh (ms), or 0 to keep the window's. A counter
 * that does not exist (its window ended and expired, or nobody took from
 * it) is left alone rather than created; a count never goes below 0.
 * Returns how many counters were changed.
 */
export const ADJUST_LUA = `
local changed = 0
for i = 1, #KEYS do
  local k = KEYS[i]
  if redis.call('EXISTS', k) == 1 then
    local v = redis.call('INCRBY', k, ARGV[2 * i - 1])
    if v < 0 then redis.call('SET', k, '0', 'KEEPTTL') end
    local ttl = tonumber(ARGV[2 * i])
    if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
    changed = changed + 1
  end
end
return changed
`;
