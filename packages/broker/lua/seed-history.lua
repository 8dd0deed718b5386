-- Fills the history mirror of a log older than it (written before checkpoints existed, or moved in by the upgrade)
-- from the dish hashes, and takes the first checkpoint at the last event, atomically; a complete history is left as is.
-- KEYS[1] event stream, KEYS[2] last-id key, KEYS[3] dish id set, KEYS[4..6] history mirror, history meta,
-- checkpoint stream, KEYS[7..] the hash of every dish of the set as the caller last read it
-- ARGV[1] dish key prefix
-- Returns {'complete'} | {'seeded'} | {'stale', {dish id, ...}} when the set holds a dish whose key was not declared

if redis.call('EXISTS', KEYS[5]) == 1 then return {'complete'} end
local dishes, ids = read_dishes(KEYS[3], ARGV[1], declared(7, #KEYS))
if not dishes then return {'stale', ids} end
redis.call('DEL', KEYS[4])
for _, flat in ipairs(dishes) do
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  redis.call('HSET', KEYS[4], h.id, dish_json(h))
end
local last = redis.call('GET', KEYS[2]) or '0-0'
local ts = int_str(now_ms())
if last ~= '0-0' then
  local entry = redis.call('XRANGE', KEYS[1], last, last)[1]
  if entry then
    local f = entry[2]
    for i = 1, #f, 2 do if f[i] == 'ts' then ts = f[i + 1] end end
  end
  -- A checkpoint stream ahead of the last id (left by a log since replaced) cannot take this one: it starts over.
  local top = redis.call('XREVRANGE', KEYS[6], '+', '-', 'COUNT', 1)[1]
  if top and compare_ids(top[1], last) >= 0 then redis.call('DEL', KEYS[6]) end
  redis.call('XADD', KEYS[6], last, 'ts', ts, 'dishes', '[' .. table.concat(redis.call('HVALS', KEYS[4]), ',') .. ']')
end
redis.call('SET', KEYS[5], '0 ' .. ts)
return {'seeded'}
