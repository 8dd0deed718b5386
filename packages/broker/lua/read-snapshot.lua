-- Reads the last event id, every dish, the sales buckets of the snapshot window and the recent chat in one atomic
-- step, so they agree. Bounded by the menu, the window and the chat cap, never by how long the service has run.
-- KEYS[1] last-id key, KEYS[2] dish id set, KEYS[3] sales bucket index (zset), KEYS[4] recent-chat list
-- ARGV[1] dish key prefix, ARGV[2] sales bucket key prefix, ARGV[3] oldest bucket start to include,
-- ARGV[4] most buckets to read (the window's width in buckets), ARGV[5] recent-chat cap
-- Returns {last id, {dish flat hash, ...}, {bucket start, bucket flat hash, ...}, {chat envelope json, newest first}}

local last = redis.call('GET', KEYS[1]) or '0-0'
local dishes = read_dishes(KEYS[2], ARGV[1])
-- The newest buckets of the window: a clock far ahead of the buckets cannot make this read more than ARGV[4].
local sales = {}
local starts = redis.call('ZREVRANGEBYSCORE', KEYS[3], '+inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
for i = #starts, 1, -1 do
  local t = starts[i]
  sales[#sales + 1] = t
  sales[#sales + 1] = redis.call('HGETALL', ARGV[2] .. t)
end
local chat = redis.call('LRANGE', KEYS[4], 0, tonumber(ARGV[5]) - 1)
return {last, dishes, sales, chat}
