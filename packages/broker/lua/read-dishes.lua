-- Reads the last event id and every dish in one atomic step (no sales, no chat): what GET /api/dishes answers.
-- KEYS[1] last-id key, KEYS[2] dish id set
-- ARGV[1] dish key prefix
-- Returns {last id, {dish flat hash, ...}}

local last = redis.call('GET', KEYS[1]) or '0-0'
local dishes = read_dishes(KEYS[2], ARGV[1])
return {last, dishes}
