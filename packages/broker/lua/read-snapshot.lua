-- Reads the last event id, every dish, the sales buckets of the snapshot window and the recent chat in one atomic
-- step, so they agree. Closed buckets never change, so only the open ones are read here (the caller reads or caches
-- the rest): the script's work is bounded by the menu and the chat cap, never by the window or the uptime.
-- KEYS[1] last-id key, KEYS[2] dish id set, KEYS[3] sales bucket index (zset), KEYS[4] recent-chat list,
-- KEYS[5 .. 4+ARGV[7]] the buckets that may still be open by the caller's clock, KEYS[5+ARGV[7] ..] the dish hashes
-- ARGV[1] dish key prefix, ARGV[2] sales bucket key prefix, ARGV[3] oldest bucket start to include,
-- ARGV[4] most buckets to list (the window's width in buckets), ARGV[5] recent-chat cap, ARGV[6] bucket size ms,
-- ARGV[7] how many bucket keys are declared
-- Returns {last id, {dish flat hash, ...}, {bucket start, ... newest first}, {open bucket start, its flat hash, ...},
--          {chat envelope json, newest first}} | {'stale', {dish id, ...}} when a key it must read was not declared

local bucket_keys = tonumber(ARGV[7])
local last = redis.call('GET', KEYS[1]) or '0-0'
local dishes, ids = read_dishes(KEYS[2], ARGV[1], declared(5 + bucket_keys, #KEYS))
if not dishes then return {'stale', ids} end
-- The newest buckets of the window: a clock far ahead of the buckets cannot make this list more than ARGV[4].
local starts = redis.call('ZREVRANGEBYSCORE', KEYS[3], '+inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
-- A sale lands in the bucket of Redis's own clock: one that ended a bucket ago can no longer change.
local open_from = now_ms() - 2 * tonumber(ARGV[6])
local open_keys = declared(5, 4 + bucket_keys)
local open = {}
for _, t in ipairs(starts) do
  if tonumber(t) < open_from then break end
  local key = ARGV[2] .. t
  if not open_keys[key] then return {'stale', redis.call('SMEMBERS', KEYS[2])} end
  open[#open + 1] = t
  open[#open + 1] = redis.call('HGETALL', key)
end
local chat = redis.call('LRANGE', KEYS[4], 0, tonumber(ARGV[5]) - 1)
return {last, dishes, starts, open, chat}
