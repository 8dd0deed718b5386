-- Token bucket shared by every replica: takes one token if there is one, else says how long until there is.
-- KEYS[1] bucket hash (fields: tokens, at)
-- ARGV[1] capacity (burst), ARGV[2] refill tokens per second
-- Returns {1, 0} when allowed, {0, ms until a token is available} when not

local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_ms()
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * rate / 1000)
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', int_str(now))
redis.call('PEXPIRE', KEYS[1], int_str(math.ceil(capacity * 1000 / rate) + 1000))
return {allowed, wait}
