-- Appends an event that changes no dish (chat) to the log, and keeps it in the capped list of recent chat.
-- KEYS[1] event stream, KEYS[2] last-id key, KEYS[3] recent-chat list,
-- KEYS[4..6] history mirror, history meta, checkpoint stream (lib.lua's history_of)
-- ARGV[1] channel, ARGV[2] stream MAXLEN (~), ARGV[3] event type, ARGV[4] data json, ARGV[5] recent-chat cap,
-- ARGV[6..8] history retention ms, events and ms between checkpoints
-- Returns {event id, prev, ts}

local ts = int_str(now_ms())
local id, prev, envelope = emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ts, ARGV[4])
record(history_of(KEYS[4], KEYS[5], KEYS[6], ARGV[6], ARGV[7], ARGV[8]), KEYS[1], id, prev, ts)
redis.call('LPUSH', KEYS[3], envelope)
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
return {id, prev, ts}
