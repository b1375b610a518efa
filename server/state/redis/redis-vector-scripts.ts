/**
 * Removes the semantic index's entries that a filter names, and tells every
 * replica through the change stream, in one step: a removal and an entry
 * added while it runs never interleave.
 *
 * KEYS[1] the set of entry keys (a sorted set scored by expiry), KEYS[2] the
 * change stream. ARGV: [1] the entries' key prefix, [2] the stream's
 * approximate length cap, [3] "1" when a key is named and [4] the key, [5]
 * "1" when a namespace is named and [6] it, [7] "1" when a model is named and
 * [8] it. Members whose entry has expired are dropped on the way. Returns how
 * many entries were removed. (Entry keys are built inside the script, so this
 * is for one Redis, not a cluster.)
 */
export const REMOVE_LUA = `
local members
if ARGV[3] == "1" then
  members = { ARGV[4] }
else
  members = redis.call("ZRANGE", KEYS[1], 0, -1)
end
local removed = 0
for _, member in ipairs(members) do
  local entry = ARGV[1] .. member
  local fields = redis.call("HMGET", entry, "namespace", "model")
  if fields[1] then
    if (ARGV[5] ~= "1" or fields[1] == ARGV[6]) and (ARGV[7] ~= "1" or fields[2] == ARGV[8]) then
      redis.call("DEL", entry)
      redis.call("ZREM", KEYS[1], member)
      removed = removed + 1
    end
  else
    redis.call("ZREM", KEYS[1], member)
  end
end
local change = { "op", "remove" }
if ARGV[3] == "1" then table.insert(change, "key"); table.insert(change, ARGV[4]) end
if ARGV[5] == "1" then table.insert(change, "namespace"); table.insert(change, ARGV[6]) end
if ARGV[7] == "1" then table.insert(change, "model"); table.insert(change, ARGV[8]) end
redis.call("XADD", KEYS[2], "MAXLEN", "~", ARGV[2], "*", unpack(change))
return removed
`;
