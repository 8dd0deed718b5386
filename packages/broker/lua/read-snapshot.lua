-- Reads the last event id, every dish and the recent sales buckets in one atomic step, so they agree.
-- KEYS[1] last-id key, KEYS[2] dish id set, KEYS[3] sales bucket index (zset)
-- ARGV[1] dish key prefix, ARGV[2] sales bucket key prefix, ARGV[3] oldest bucket start to include
-- Returns {last id, {dish flat hash, ...}, {bucket start, bucket flat hash, ...}}

local last = redis.call('GET', KEYS[1]) or '0-0'
local dishes = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local flat = redis.call('HGETALL', ARGV[1] .. id)
  if #flat > 0 then dishes[#dishes + 1] = flat end
end
local sales = {}
for _, t in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[3], '+inf')) do
  sales[#sales + 1] = t
  sales[#sales + 1] = redis.call('HGETALL', ARGV[2] .. t)
end
return {last, dishes, sales}
