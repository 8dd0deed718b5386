-- Token buckets shared by every replica: takes one token from each bucket if every one has a token, else takes
-- none and writes nothing (a refused request spends no budget), and says how long until all of them have one.
-- KEYS[1..n] bucket hashes (fields: tokens, at), all in one slot on a cluster
-- ARGV[1] capacity (burst), ARGV[2] refill tokens per second, the same for every bucket
-- Returns {1, 0} when allowed, {0, ms until every bucket has a token} when not

local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_ms()
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  tokens = math.min(capacity, tokens + (now - at) * rate / 1000)
  if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) * 1000 / rate)) end
  levels[i] = tokens
end
if wait > 0 then return {0, wait} end
local ttl = int_str(math.ceil(capacity * 1000 / rate) + 1000)
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', tostring(levels[i] - 1), 'at', int_str(now))
  redis.call('PEXPIRE', key, ttl)
end
return {1, 0}
