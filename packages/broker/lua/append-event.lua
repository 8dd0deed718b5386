-- Appends an event that changes no dish (chat) to the log.
-- KEYS[1] event stream, KEYS[2] last-id key
-- ARGV[1] channel, ARGV[2] stream MAXLEN (~), ARGV[3] event type, ARGV[4] data json
-- Returns {event id, prev, ts}

local ts = int_str(now_ms())
local id, prev = emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ts, ARGV[4])
return {id, prev, ts}
