/**
 * The Lua behind leases on a replica's Redis holds (redis-leases.ts).
 *
 * A replica's holds are a hash, `holds:<replica>`, with one field per
 * counter it holds something in: `l<counter key>` for the concurrency slots
 * it took and has not given back, `b<budget key>` for the micro-units it has
 * reserved and not settled. The quota scripts (redis-quota-scripts.ts) add
 * to it in the same script as the admission and take off in the same script
 * as the settlement, so the hash and the counters never disagree. Windowed
 * counters are not held: what a call took from a window is spent.
 */

/**
 * holds_add(holds, slots, lk, la, bk, ba): after an admission that wrote,
 * records what it holds: each limit counter whose character in `slots` is
 * '1' (a concurrency slot) by its cost (la, three per counter), each budget
 * by its amount (ba: ttl, now, then amount and cap per budget).
 */
export const HOLDS_ADD_FN = `
local function holds_add(holds, slots, lk, la, bk, ba)
  for i = 1, #lk do
    if string.sub(slots, i, i) == '1' then redis.call('HINCRBY', holds, 'l' .. lk[i], la[3 * i - 2]) end
  end
  for i = 1, #bk do
    if tonumber(ba[2 * i + 1]) > 0 then redis.call('HINCRBY', holds, 'b' .. bk[i], ba[2 * i + 1]) end
  end
end
`;

/**
 * holds_take(holds, slots, lk, la, bk, ba): before a settlement, takes its
 * give-backs off the hash, and clamps each to what is still held: a
 * give-back of something another replica already gave back for this one
 * (its lease had lapsed) gives back nothing, so nothing is given back twice.
 * la: two per counter (delta, ttl); ba: ttl, now, then the reservation
 * negated (a string) and the actual spend per budget. Rewrites la and ba in
 * place.
 */
export const HOLDS_TAKE_FN = `
local function holds_off(holds, field, back)
  local held = tonumber(redis.call('HGET', holds, field) or '0')
  if back > held then back = held end
  if back > 0 then
    if redis.call('HINCRBY', holds, field, -back) <= 0 then redis.call('HDEL', holds, field) end
  end
  return back
end
local function holds_take(holds, slots, lk, la, bk, ba)
  for i = 1, #lk do
    local delta = tonumber(la[2 * i - 1])
    if string.sub(slots, i, i) == '1' and delta < 0 then
      local back = holds_off(holds, 'l' .. lk[i], -delta)
      if back ~= -delta then la[2 * i - 1] = string.format('%d', -back) end
    end
  end
  for i = 1, #bk do
    local release = -tonumber(ba[2 * i + 1])
    if release > 0 then
      local back = holds_off(holds, 'b' .. bk[i], release)
      if back ~= release then ba[2 * i + 1] = string.format('%d', -back) end
    end
  end
end
`;

/**
 * RENEW. KEYS[1]: the set of replicas that hold leases; KEYS[2]: this
 * replica's lease. ARGV[1]: this replica's id, ARGV[2]: the lease (ms),
 * ARGV[3]: the key prefix. Renews this replica's lease; then, only if that
 * lease had not lapsed (this replica has been in touch with Redis all
 * along, so a lapsed lease elsewhere is not just an outage everyone shared),
 * gives back the holds of every replica whose lease has lapsed, deletes
 * their hashes and forgets them. A counter that has expired meanwhile is
 * left alone; nothing goes below 0. Returns { replicas reclaimed, fields
 * given back }.
 */
export const RENEW_LUA = `
local was = redis.call('SET', KEYS[2], '1', 'PX', ARGV[2], 'GET')
redis.call('SADD', KEYS[1], ARGV[1])
if not was then return { 0, 0 } end
local reclaimed, given = 0, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if id ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. 'lease:' .. id) == 0 then
    local holds = ARGV[3] .. 'holds:' .. id
    local fields = redis.call('HGETALL', holds)
    for j = 1, #fields, 2 do
      local kind, k, v = string.sub(fields[j], 1, 1), string.sub(fields[j], 2), fields[j + 1]
      if redis.call('EXISTS', k) == 1 then
        if kind == 'l' then
          if redis.call('DECRBY', k, v) < 0 then redis.call('SET', k, '0', 'KEEPTTL') end
        elseif redis.call('HINCRBY', k, 'reserved', '-' .. v) < 0 then
          redis.call('HSET', k, 'reserved', '0')
        end
      end
      given = given + 1
    end
    redis.call('DEL', holds)
    redis.call('SREM', KEYS[1], id)
    reclaimed = reclaimed + 1
  end
end
return { reclaimed, given }
`;
