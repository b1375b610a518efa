/**
 * The limit store's Lua, one script per operation, each run atomically by
 * Redis (nothing else runs between its reads and its writes). Counters are
 * plain integer strings; a windowed counter's key names its window, so a new
 * window is simply a new key, and old ones expire.
 *
 * Each operation is a Lua function over a slice of the keys and arguments,
 * so the quota scripts (redis-quota-scripts.ts) can run a take and a budget
 * reservation in one script, the same code as the stores' own.
 */

/**
 * limit_take(keys, args, out): keys[i] is counter i; args, three per
 * counter: cost, limit, ttl (ms, refreshed on every take). All or nothing:
 * each counter is checked in order against what is already in it plus what
 * this take puts in earlier (a key named twice counts against itself); the
 * first that would pass its limit refuses the whole take.
 * `apply` false checks without writing (a later check may still refuse).
 * Appends { refusedBy (0-based, -1 when admitted), used_1 .. used_n } to
 * out: each counter after the take when admitted, as it stands when refused.
 * Returns refusedBy, and a function that writes the take.
 */
export const LIMIT_TAKE_FN = `
local function limit_take(keys, args, out)
  local n = #keys
  local current = {}
  for i = 1, n do
    local k = keys[i]
    if current[k] == nil then current[k] = tonumber(redis.call('GET', k) or '0') end
  end
  local planned = {}
  local refused = -1
  for i = 1, n do
    local k = keys[i]
    local after = (planned[k] or current[k]) + tonumber(args[3 * i - 2])
    if after > tonumber(args[3 * i - 1]) then
      refused = i - 1
      break
    end
    planned[k] = after
  end
  out[#out + 1] = refused
  for i = 1, n do
    local k = keys[i]
    if refused == -1 then out[#out + 1] = planned[k] else out[#out + 1] = current[k] end
  end
  local function write()
    for i = 1, n do
      redis.call('INCRBY', keys[i], args[3 * i - 2])
      redis.call('PEXPIRE', keys[i], args[3 * i])
    end
  end
  return refused, write
end
`;

/**
 * limit_adjust(keys, args): keys[i] is counter i; args, two per counter:
 * delta (negative gives back), and the ttl to refresh (ms), or 0 to keep the
 * window's. A counter that does not exist (its window ended and expired, or
 * nobody took from it) is left alone rather than created; a count never
 * goes below 0. Returns how many counters were changed.
 */
export const LIMIT_ADJUST_FN = `
local function limit_adjust(keys, args)
  local changed = 0
  for i = 1, #keys do
    local k = keys[i]
    if redis.call('EXISTS', k) == 1 then
      local v = redis.call('INCRBY', k, args[2 * i - 1])
      if v < 0 then redis.call('SET', k, '0', 'KEEPTTL') end
      local ttl = tonumber(args[2 * i])
      if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
      changed = changed + 1
    end
  end
  return changed
end
`;

/** TAKE: every key is a counter, ARGV its arguments. Returns limit_take's reply. */
export const TAKE_LUA = `${LIMIT_TAKE_FN}
local out = {}
local refused, write = limit_take(KEYS, ARGV, out)
if refused == -1 then write() end
return out
`;

/** ADJUST: every key is a counter, ARGV its arguments. Returns how many were changed. */
export const ADJUST_LUA = `${LIMIT_ADJUST_FN}
return limit_adjust(KEYS, ARGV)
`;
