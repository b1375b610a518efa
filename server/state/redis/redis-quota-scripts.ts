import { BUDGET_RESERVE_FN, BUDGET_SETTLE_FN } from "./redis-budget-scripts.ts";
import { HOLDS_ADD_FN, HOLDS_TAKE_FN } from "./redis-lease-scripts.ts";
import { LIMIT_ADJUST_FN, LIMIT_TAKE_FN } from "./redis-limit-scripts.ts";

/**
 * The quota store's Lua: a call's rate-limit take and budget reservation in
 * one script, and its settlement in another, so that a call costs one round
 * trip at admission and one when it ends. The halves are the limit and
 * budget stores' own functions. KEYS: the n limit counters, then the
 * budgets, then (when ARGV[4] is '1') the replica's holds hash
 * (redis-lease-scripts.ts). ARGV[1]: n; ARGV[2]: the limit arguments per
 * counter (3 for a take, 2 for an adjustment); ARGV[3]: one character per
 * counter, '1' for a concurrency slot (held until given back); ARGV[4]:
 * '1' when holds are recorded; ARGV[5]: the deadline (epoch ms, 0 for
 * none); then the limit arguments, then the budget arguments (a ttl first).
 */
const SLICES = `
local n = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local slots = ARGV[3]
local last, holds = #KEYS, nil
if ARGV[4] == '1' then
  holds = KEYS[last]
  last = last - 1
end
local lk, la, bk, ba = {}, {}, {}, {}
for i = 1, n do lk[i] = KEYS[i] end
for i = n + 1, last do bk[#bk + 1] = KEYS[i] end
for i = 1, per * n do la[i] = ARGV[5 + i] end
for i = per * n + 6, #ARGV do ba[#ba + 1] = ARGV[i] end
`;

/**
 * PAST_DEADLINE: true when Redis runs the script after ARGV[5], the time by
 * which the gateway stops waiting for it. A Redis that hung (SIGSTOP, a
 * stalled disk) runs the scripts queued on its connections once it
 * resumes; an admission whose caller was long since refused must not take
 * a slot or hold a budget nobody will give back. Compared on Redis's clock
 * against the gateway's, so the margin the gateway leaves covers their skew.
 */
const PAST_DEADLINE = `
local function past_deadline()
  local deadline = tonumber(ARGV[5])
  if deadline == 0 then return false end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > deadline
end
`;

/**
 * ADMIT. Nothing at all past its deadline (the reply is { -3 }). All or nothing across both halves: the take is checked first, and
 * when it refuses the budgets are not read (their part of the reply is
 * { -2 }); when a budget refuses, nothing is taken. What an admission holds
 * is added to the replica's holds in the same step.
 * Returns limit_take's reply, then budget_reserve's (or -2).
 */
export const ADMIT_LUA = `${LIMIT_TAKE_FN}${BUDGET_RESERVE_FN}${HOLDS_ADD_FN}${PAST_DEADLINE}${SLICES}
if past_deadline() then return { -3 } end
local out = {}
local refused, take = limit_take(lk, la, out)
if refused ~= -1 then
  out[#out + 1] = -2
  return out
end
local over, hold = budget_reserve(bk, ba, out)
if over == -1 then
  take()
  hold()
  if holds then holds_add(holds, slots, lk, la, bk, ba) end
end
return out
`;

/**
 * SETTLE. Takes the give-backs off the replica's holds (clamped to what is
 * still held), adjusts the limit counters, then settles the budgets.
 * Returns budget_settle's reply.
 */
export const SETTLE_ALL_LUA = `${LIMIT_ADJUST_FN}${BUDGET_SETTLE_FN}${HOLDS_TAKE_FN}${SLICES}
if holds then holds_take(holds, slots, lk, la, bk, ba) end
limit_adjust(lk, la)
local out = {}
if #bk > 0 then budget_settle(bk, ba, out) end
return out
`;
