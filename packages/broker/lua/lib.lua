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

-- History by time (issue 16). Every script that emits an event declares three more keys — the mirror (a hash of
-- dish id → the dish's JSON, kept with each event so a checkpoint never needs every dish key declared), the meta
-- string (`<events since the last checkpoint> <its ts>`, present once the mirror is complete) and the checkpoint
-- stream — and three ARGV:
-- the retention, the events and the ms between checkpoints.
local function history_of(dishes_key, meta_key, checkpoints_key, retention, every_events, every_ms)
  return { dishes = dishes_key, meta = meta_key, checkpoints = checkpoints_key, retention = tonumber(retention),
    every_events = tonumber(every_events), every_ms = tonumber(every_ms) }
end

-- A checkpoint of the state after event `id`, then the trim by age: the stream keeps everything from the newest
-- checkpoint at or before now - retention (so every retained moment has a checkpoint and all the events after it),
-- and checkpoints older than the stream's first link are dropped (the events after them are gone). O(dishes).
local function checkpoint(h, stream, id, ts)
  local dishes = redis.call('HVALS', h.dishes)
  redis.call('XADD', h.checkpoints, id, 'ts', ts, 'dishes', '[' .. table.concat(dishes, ',') .. ']')
  local horizon = tonumber(ts) - h.retention
  if horizon > 0 then
    local floor = redis.call('XREVRANGE', h.checkpoints, int_str(horizon), '-', 'COUNT', 1)
    if #floor > 0 then redis.call('XTRIM', stream, 'MINID', '~', floor[1][1]) end
  end
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if first then
    local f = first[2]
    for i = 1, #f, 2 do
      if f[i] == 'prev' then redis.call('XTRIM', h.checkpoints, 'MINID', f[i + 1]) end
    end
  end
end

-- After each emitted event: the mirror follows the dish (`dish_json` nil: deleted; `dish_id` nil: no dish), and every
-- `every_events` events or `every_ms`, whichever first, a checkpoint. A log older than its mirror takes none until
-- seed-history.lua filled the mirror (a log whose first event is this one is complete from the start).
local function record(h, stream, id, prev, ts, dish_id, dish_json)
  if dish_id then
    if dish_json then redis.call('HSET', h.dishes, dish_id, dish_json) else redis.call('HDEL', h.dishes, dish_id) end
  end
  local m = redis.call('GET', h.meta)
  if not m and prev ~= '0-0' then return end
  local count, at = 1, 0
  if m then
    local c, a = string.match(m, '^(%d+) (%d+)$')
    count, at = tonumber(c) + 1, tonumber(a)
  end
  if count >= h.every_events or tonumber(ts) - at >= h.every_ms then
    checkpoint(h, stream, id, ts)
    count, at = 0, tonumber(ts)
  end
  redis.call('SET', h.meta, int_str(count) .. ' ' .. int_str(at))
end
