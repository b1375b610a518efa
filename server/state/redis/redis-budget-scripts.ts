/**
 * The budget store's Lua, one script per operation, each run atomically by
 * Redis (reading one is a plain HMGET). A budget counter is a hash with two integer fields, `spent` and
 * `reserved`, in micro-units (see budget-units.ts): integers, so HINCRBY
 * adds exactly and `spent + reserved + amount <= cap` compares exactly
 * (Lua's doubles hold integers exactly up to 2^53).
 */

/**
 * RESERVE. KEYS[i]: budget i. ARGV[1]: ttl (ms, refreshed on every write);
 * then two per budget: amount, cap. All or nothing, checked in order, a
 * budget named twice counting against itself.
 * Returns { refusedBy (0-based, -1 when admitted), spent_1, reserved_1, .. }:
 * each budget after the reservation when admitted, as it stands when refused.
 */
export const RESERVE_LUA = `
local n = #KEYS
local spent, reserved = {}, {}
for i = 1, n do
  local k = KEYS[i]
  if spent[k] == nil then
    local v = redis.call('HMGET', k, 'spent', 'reserved')
    spent[k] = tonumber(v[1] or '0')
    reserved[k] = tonumber(v[2] or '0')
  end
end
local planned = {}
local refused = -1
for i = 1, n do
  local k = KEYS[i]
  local held = (planned[k] or reserved[k]) + tonumber(ARGV[2 * i])
  if spent[k] + held > tonumber(ARGV[2 * i + 1]) then
    refused = i - 1
    break
  end
  planned[k] = held
end
local out = { refused }
for i = 1, n do
  local k = KEYS[i]
  if refused == -1 then
    redis.call('HINCRBY', k, 'reserved', ARGV[2 * i])
    redis.call('PEXPIRE', k, ARGV[1])
    out[2 * i] = spent[k]
    out[2 * i + 1] = planned[k]
  else
    out[2 * i] = spent[k]
    out[2 * i + 1] = reserved[k]
  end
end
return out
`;

/**
 * SETTLE. KEYS[i]: budget i. ARGV[1]: ttl (ms); then two per budget: the
 * reservation negated (a string from the caller: Lua would print a large
 * number as 1e+15, which HINCRBY refuses), the actual spend. Releases the reservation (never below
 * 0) and adds the actual to spend, in order.
 * Returns { spent_1, reserved_1, .. } after each step.
 */
export const SETTLE_LUA = `
local out = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local held = redis.call('HINCRBY', k, 'reserved', ARGV[2 * i])
  if held < 0 then
    redis.call('HSET', k, 'reserved', '0')
    held = 0
  end
  out[2 * i - 1] = redis.call('HINCRBY', k, 'spent', ARGV[2 * i + 1])
  out[2 * i] = held
  redis.call('PEXPIRE', k, ARGV[1])
end
return out
`;
