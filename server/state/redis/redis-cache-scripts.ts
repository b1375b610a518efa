/*
 * The cache store's Lua scripts. Beside the entries (plain keys with a PX
 * TTL), Redis keeps an index: a sorted set of entry keys scored by expiry
 * time, a hash of their sizes and a byte counter, so the caps hold across
 * replicas and the stats need no SCAN. Each script first drops from the
 * index what Redis has already expired.
 *
 * KEYS[1] index (zset), KEYS[2] sizes (hash), KEYS[3] bytes (counter).
 */

const FORGET_EXPIRED = `
local function forget(member)
  local size = redis.call('HGET', KEYS[2], member)
  if size then redis.call('DECRBY', KEYS[3], size) end
  redis.call('HDEL', KEYS[2], member)
  redis.call('ZREM', KEYS[1], member)
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, member in ipairs(expired) do forget(member) end
`;

/** ARGV: now, entry prefix, member, value, ttlMs, maxEntries, maxBytes. Returns the bytes held. */
export const CACHE_SET_LUA = `${FORGET_EXPIRED}
local prefix, member, value = ARGV[2], ARGV[3], ARGV[4]
local ttl = tonumber(ARGV[5])
forget(member)
redis.call('SET', prefix .. member, value, 'PX', ttl)
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + ttl, member)
redis.call('HSET', KEYS[2], member, string.len(value))
local bytes = redis.call('INCRBY', KEYS[3], string.len(value))
local maxEntries, maxBytes = tonumber(ARGV[6]), tonumber(ARGV[7])
while redis.call('ZCARD', KEYS[1]) > maxEntries or bytes > maxBytes do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not oldest then break end
  forget(oldest)
  redis.call('DEL', prefix .. oldest)
  bytes = tonumber(redis.call('GET', KEYS[3]) or '0')
end
return bytes
`;

/** ARGV: now, entry prefix, kind (all|namespace|model|key), tag or key. Returns entries removed. */
export const CACHE_INVALIDATE_LUA = `${FORGET_EXPIRED}
local prefix, kind, tag = ARGV[2], ARGV[3], ARGV[4]
local members
if kind == 'key' then members = { tag } else members = redis.call('ZRANGE', KEYS[1], 0, -1) end
local removed = 0
for _, member in ipairs(members) do
  local first = string.find(member, ':', 1, true)
  local hit = kind == 'all' or kind == 'key'
    or (kind == 'namespace' and first and string.sub(member, 1, first - 1) == tag)
    or (kind == 'model' and first and string.sub(member, first + 1, first + string.len(tag) + 1) == tag .. ':')
  if hit then
    removed = removed + redis.call('DEL', prefix .. member)
    forget(member)
  end
end
return removed
`;

/** ARGV: now. Returns { entries, bytes }. */
export const CACHE_STATS_LUA = `${FORGET_EXPIRED}
return { redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0') }
`;
