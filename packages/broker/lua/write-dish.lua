-- Creates, updates or deletes one dish and emits its event, atomically.
-- KEYS[1] dish hash, KEYS[2] dish id set, KEYS[3] event stream, KEYS[4] last-id key,
-- KEYS[5..7] history mirror, history meta, checkpoint stream (lib.lua's history_of)
-- ARGV[1] channel, ARGV[2] stream MAXLEN (~), ARGV[3] op: create | update | delete, ARGV[4] dish id,
-- ARGV[5] expected version ('' for any), ARGV[6..8] history retention ms, events and ms between checkpoints,
-- ARGV[9..] field, value pairs (name, category, price, stock)
-- Returns {'ok', dish json (or deleted data json), event id} | {'not_found'} | {'exists'} | {'conflict', current version}

local op, id, expected = ARGV[3], ARGV[4], ARGV[5]
local ts = int_str(now_ms())
local dish = read_hash(KEYS[1])
local history = history_of(KEYS[5], KEYS[6], KEYS[7], ARGV[6], ARGV[7], ARGV[8])

if op == 'create' then
  if dish then return {'exists'} end
  dish = { id = id, sold = '0', version = '0' }
else
  if not dish then return {'not_found'} end
  if expected ~= '' and expected ~= dish.version then return {'conflict', dish.version} end
end

if op == 'delete' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], id)
  local data = '{"id":' .. cjson.encode(id) .. ',"category":' .. cjson.encode(dish.category) .. '}'
  local event_id, prev = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], 'dish.deleted', ts, data)
  record(history, KEYS[3], event_id, prev, ts, id, nil)
  return {'ok', data, event_id}
end

local category_before = dish.category
for i = 9, #ARGV, 2 do dish[ARGV[i]] = ARGV[i + 1] end
dish.version = int_str(tonumber(dish.version) + 1)
dish.updatedAt = ts
redis.call('HSET', KEYS[1], 'id', dish.id, 'name', dish.name, 'category', dish.category, 'price', dish.price,
  'stock', dish.stock, 'sold', dish.sold, 'version', dish.version, 'updatedAt', dish.updatedAt)
redis.call('SADD', KEYS[2], id)
local json = dish_json(dish)
local type = op == 'create' and 'dish.created' or 'dish.updated'
local data = '{"dish":' .. json .. '}'
-- A move to another category names the one it left: a filter of that category must hear the dish go.
if op == 'update' and category_before ~= dish.category then
  data = '{"dish":' .. json .. ',"previousCategory":' .. cjson.encode(category_before) .. '}'
end
local event_id, prev = emit(KEYS[3], KEYS[4], ARGV[1], ARGV[2], type, ts, data)
record(history, KEYS[3], event_id, prev, ts, id, json)
return {'ok', json, event_id}
