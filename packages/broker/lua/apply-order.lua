-- Applies a whole order or none of it: every item in stock, then one dish.sold event per item; final per orderId.
-- KEYS[1] event stream, KEYS[2] last-id key, KEYS[3] this order's outcome key, KEYS[4] sales bucket index (zset),
-- KEYS[5] the sales bucket of now by the caller's clock, KEYS[6..8] history mirror, history meta, checkpoint stream
-- (lib.lua's history_of), KEYS[9..] one dish hash per item (ids unique)
-- ARGV[1] channel, ARGV[2] stream MAXLEN (~), ARGV[3] orderId, ARGV[4] sales bucket key prefix,
-- ARGV[5] bucket size ms, ARGV[6] sales retention ms, ARGV[7] how long the outcome is kept (ms),
-- ARGV[8] fingerprint of the order's items, ARGV[9..11] history retention ms, events and ms between checkpoints,
-- ARGV[12..] dishId, qty pairs aligned with KEYS[9..]
-- Returns {'new' | 'existing' | 'mismatch', outcome json}: 'mismatch' when the orderId's outcome is of other items;
-- {'bucket', start} when Redis's clock is in another sales bucket than KEYS[5] (the caller asks again with that one).
-- The stored outcome carries the fingerprint (read back by the service, which strips it before answering).

local existing = redis.call('GET', KEYS[3])
if existing then
  local fp = string.match(existing, '"fingerprint":"(%x+)"}$')
  if fp and fp ~= ARGV[8] then return {'mismatch', existing} end
  return {'existing', existing}
end
local fingerprint = ',"fingerprint":"' .. ARGV[8] .. '"}'

local ts = now_ms()
local ts_str = int_str(ts)
local bucket = ts - (ts % tonumber(ARGV[5]))
local bucket_key = ARGV[4] .. int_str(bucket)
if bucket_key ~= KEYS[5] then return {'bucket', int_str(bucket)} end
local order_id = cjson.encode(ARGV[3])
local dishes = {}
for k = 9, #KEYS do
  local i = 12 + (k - 9) * 2
  local dish_id, qty = ARGV[i], tonumber(ARGV[i + 1])
  local dish = read_hash(KEYS[k])
  local reason = nil
  if not dish then reason = 'unknown_dish'
  elseif tonumber(dish.stock) < qty then reason = 'out_of_stock' end
  if reason then
    local outcome = '{"orderId":' .. order_id .. ',"status":"rejected","reason":"' .. reason .. '","dishId":' ..
      cjson.encode(dish_id) .. ',"at":' .. ts_str .. fingerprint
    redis.call('SET', KEYS[3], outcome, 'PX', ARGV[7])
    return {'new', outcome}
  end
  dishes[#dishes + 1] = { key = KEYS[k], dish = dish, qty = qty }
end

local items, events = {}, {}
local history = history_of(KEYS[6], KEYS[7], KEYS[8], ARGV[9], ARGV[10], ARGV[11])
for _, item in ipairs(dishes) do
  local dish, qty = item.dish, item.qty
  dish.stock = int_str(tonumber(dish.stock) - qty)
  dish.sold = int_str(tonumber(dish.sold) + qty)
  dish.version = int_str(tonumber(dish.version) + 1)
  dish.updatedAt = ts_str
  redis.call('HSET', item.key, 'stock', dish.stock, 'sold', dish.sold, 'version', dish.version, 'updatedAt', ts_str)
  redis.call('HINCRBY', bucket_key, 'total', int_str(qty))
  redis.call('HINCRBY', bucket_key, 'c:' .. dish.category, int_str(qty))
  local json = dish_json(dish)
  local data = '{"dish":' .. json .. ',"qty":' .. int_str(qty) .. ',"orderId":' .. order_id .. '}'
  local event_id, prev = emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], 'dish.sold', ts_str, data)
  record(history, KEYS[1], event_id, prev, ts_str, dish.id, json)
  events[#events + 1] = '"' .. event_id .. '"'
  items[#items + 1] = '{"dishId":' .. cjson.encode(dish.id) .. ',"qty":' .. int_str(qty) .. '}'
end
redis.call('PEXPIRE', bucket_key, ARGV[6])
redis.call('ZADD', KEYS[4], int_str(bucket), int_str(bucket))
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. int_str(ts - tonumber(ARGV[6])))

local outcome = '{"orderId":' .. order_id .. ',"status":"applied","items":[' .. table.concat(items, ',') ..
  '],"events":[' .. table.concat(events, ',') .. '],"at":' .. ts_str .. fingerprint
redis.call('SET', KEYS[3], outcome, 'PX', ARGV[7])
return {'new', outcome}
