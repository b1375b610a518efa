/**
 * The budget store's Lua, one script per operation, each run atomically by
 * Redis (reading one is a plain HMGET). A budget counter is a hash with two
 * integer fields, `spent` and `reserved`, in micro-units (see
 * budget-units.ts): integers, so HINCRBY adds exactly and
 * `spent + reserved + amount <= cap` compares exactly (Lua's doubles hold
 * integers exactly up to 2^53).
 *
 * As with the limit scripts, each operation is a Lua function over a slice
 * of the keys and arguments, which the quota scripts reuse.
 *
 * A counter also remembers when it was first written (`since`, epoch ms)
 * and whether the spend recorded before then has been added to it
 * (`seeded`): a Redis that lost its data (restarted without persistence)
 * starts a period's counter again from 0, and the gateway then adds what
 * the shared ledger recorded between the period's start and `since` (see
 * BACKFILL and policy/budget/budget-backfill.ts), once.
 */

/**
 * budget_reserve(keys, args, out): keys[i] is budget i; args[1] the ttl
 * (ms, refreshed on every write), args[2] now (epoch ms), then two per
 * budget: amount, cap. All or nothing, checked in order, a budget named
 * twice counting against itself.
 * Appends { refusedBy (0-based, -1 when admitted), spent_1, reserved_1,
 * seeded_1, .. } to out: each budget after the reservation when admitted,
 * as it stands when refused; seeded is 1 once the spend before the counter
 * existed has been added. Returns refusedBy, and a function that writes the
 * holds.
 */
export const BUDGET_RESERVE_FN = `
local function budget_reserve(keys, args, out)
  local n = #keys
  local spent, reserved, seeded = {}, {}, {}
  for i = 1, n do
    local k = keys[i]
    if spent[k] == nil then
      local v = redis.call('HMGET', k, 'spent', 'reserved', 'seeded')
      spent[k] = tonumber(v[1] or '0')
      reserved[k] = tonumber(v[2] or '0')
      if v[3] then seeded[k] = 1 else seeded[k] = 0 end
    end
  end
  local planned = {}
  local refused = -1
  for i = 1, n do
    local k = keys[i]
    local held = (planned[k] or reserved[k]) + tonumber(args[2 * i + 1])
    if spent[k] + held > tonumber(args[2 * i + 2]) then
      refused = i - 1
      break
    end
    planned[k] = held
  end
  out[#out + 1] = refused
  for i = 1, n do
    local k = keys[i]
    out[#out + 1] = spent[k]
    if refused == -1 then out[#out + 1] = planned[k] else out[#out + 1] = reserved[k] end
    out[#out + 1] = seeded[k]
  end
  local function write()
    for i = 1, n do
      redis.call('HINCRBY', keys[i], 'reserved', args[2 * i + 1])
      redis.call('HSETNX', keys[i], 'since', args[2])
      redis.call('PEXPIRE', keys[i], args[1])
    end
  end
  return refused, write
end
`;

/**
 * budget_settle(keys, args, out): keys[i] is budget i; args[1] the ttl
 * (ms), args[2] now (epoch ms), then two per budget: the reservation
 * negated (a string from the caller: Lua would print a large number as
 * 1e+15, which HINCRBY refuses), the actual spend. Releases the reservation
 * (never below 0) and adds the actual to spend, in order (a counter that
 * Redis lost in between is created again, with its `since`). Appends
 * { spent_1, reserved_1, .. } after each step to out.
 */
export const BUDGET_SETTLE_FN = `
local function budget_settle(keys, args, out)
  for i = 1, #keys do
    local k = keys[i]
    local held = redis.call('HINCRBY', k, 'reserved', args[2 * i + 1])
    if held < 0 then
      redis.call('HSET', k, 'reserved', '0')
      held = 0
    end
    out[#out + 1] = redis.call('HINCRBY', k, 'spent', args[2 * i + 2])
    out[#out + 1] = held
    redis.call('HSETNX', k, 'since', args[2])
    redis.call('PEXPIRE', k, args[1])
  end
end
`;

/** RESERVE: every key is a budget, ARGV its arguments. Returns budget_reserve's reply. */
export const RESERVE_LUA = `${BUDGET_RESERVE_FN}
local out = {}
local refused, write = budget_reserve(KEYS, ARGV, out)
if refused == -1 then write() end
return out
`;

/** SETTLE: every key is a budget, ARGV its arguments. Returns budget_settle's reply. */
export const SETTLE_LUA = `${BUDGET_SETTLE_FN}
local out = {}
budget_settle(KEYS, ARGV, out)
return out
`;

/**
 * BACKFILL. KEYS[1]: a budget counter. ARGV[1]: the spend recorded before
 * its `since` (micro-units), ARGV[2]: the ttl (ms). Adds it to `spent` once
 * (`seeded` marks it done, whichever replica got there first); a counter
 * that has expired meanwhile is left alone. Returns 1 when this call added
 * it, else 0.
 */
export const BACKFILL_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'seeded', '1') == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
