-- Shared helpers, prepended to every script of this folder when it is loaded.
-- Numbers travel as the decimal strings Redis stores; they are never round-tripped through cjson as floats.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function int_str(n)
  return string.format('%d', n)
end

-- HGETALL reply -> table, or nil when the hash does not exist.
local function read_hash(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

-- KEYS[from..to] as a set, to check that a key the script is about to touch was declared (a cluster requires it).
local function declared(from, to)
  local set = {}
  for i = from, to do set[KEYS[i]] = true end
  return set
end

-- Every dish of the id set, as flat hashes; nil and the set's ids when a member's hash is not among the declared keys
-- (the caller read the set before a dish was created and tries again with these ids).
local function read_dishes(set_key, dish_prefix, dish_keys)
  local dishes = {}
  local ids = redis.call('SMEMBERS', set_key)
  for _, id in ipairs(ids) do
    local key = dish_prefix .. id
    if not dish_keys[key] then return nil, ids end
    local flat = redis.call('HGETALL', key)
    if #flat > 0 then dishes[#dishes + 1] = flat end
  end
  return dishes
end

local function dish_json(h)
  return '{"id":' .. cjson.encode(h.id) .. ',"name":' .. cjson.encode(h.name) ..
    ',"category":' .. cjson.encode(h.category) .. ',"price":' .. h.price .. ',"stock":' .. h.stock ..
    ',"sold":' .. h.sold .. ',"version":' .. h.version .. ',"updatedAt":' .. h.updatedAt .. '}'
end

-- The wire form of an event, as published and as clients receive it.
local function envelope_of(id, prev, type, ts, data_json)
  return '{"id":"' .. id .. '","prev":"' .. prev .. '","type":"' .. type .. '","ts":' .. ts .. ',"data":' .. data_json .. '}'
end

-- Appends one event to the stream, records it as the last id and publishes the envelope with its id and prev on the
-- restaurant's sharded channel (SPUBLISH: the same call on a standalone Redis and a cluster). An empty channel
-- publishes nothing: with WRITE_MIN_REPLICAS the caller publishes once replicas confirmed the write (confirm.lua).
-- Returns the new id, the prev it was chained to and the envelope.
local function emit(stream, last_key, channel, maxlen, type, ts, data_json)
  local prev = redis.call('GET', last_key) or '0-0'
  local id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'type', type, 'ts', ts, 'prev', prev, 'data', data_json)
  redis.call('SET', last_key, id)
  local envelope = envelope_of(id, prev, type, ts, data_json)
  if channel ~= '' then redis.call('SPUBLISH', channel, envelope) end
  return id, prev, envelope
end

-- Stream ids compared as (milliseconds, sequence): -1, 0 or 1.
local function compare_ids(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-(%d+)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-(%d+)$')
  a_ms, a_seq, b_ms, b_seq = tonumber(a_ms), tonumber(a_seq), tonumber(b_ms), tonumber(b_seq)
  if a_ms ~= b_ms then return a_ms < b_ms and -1 or 1 end
  if a_seq ~= b_seq then return a_seq < b_seq and -1 or 1 end
  return 0
end
