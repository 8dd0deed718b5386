-- Reads the last event id, every dish, the sales buckets of the snapshot window and the recent chat in one atomic
-- step, so they agree. Closed buckets never change, so only the open ones are read here (the caller reads or caches
-- the rest): the script's work is bounded by the menu and the chat cap, never by the window or the uptime.
-- KEYS[1] last-id key, KEYS[2] dish id set, KEYS[3] sales bucket index (zset), KEYS[4] recent-chat list
-- ARGV[1] dish key prefix, ARGV[2] sales bucket key prefix, ARGV[3] oldest bucket start to include,
-- ARGV[4] most buckets to list (the window's width in buckets), ARGV[5] recent-chat cap, ARGV[6] bucket size ms
-- Returns {last id, {dish flat hash, ...}, {bucket start, ... newest first}, {open bucket start, its flat hash, ...},
--          {chat envelope json, newest first}}

local last = redis.call('GET', KEYS[1]) or '0-0'
local dishes = read_dishes(KEYS[2], ARGV[1])
-- The newest buckets of the window: a clock far ahead of the buckets cannot make this list more than ARGV[4].
local starts = redis.call('ZREVRANGEBYSCORE', KEYS[3], '+inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
-- A sale lands in the bucket of Redis's own clock: one that ended a bucket ago can no longer change.
local open_from = now_ms() - 2 * tonumber(ARGV[6])
local open = {}
for _, t in ipairs(starts) do
  if tonumber(t) < open_from then break end
  open[#open + 1] = t
  open[#open + 1] = redis.call('HGETALL', ARGV[2] .. t)
end
local chat = redis.call('LRANGE', KEYS[4], 0, tonumber(ARGV[5]) - 1)
return {last, dishes, starts, open, chat}
