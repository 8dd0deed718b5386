-- Reads the last event id and every dish in one atomic step (no sales, no chat): what GET /api/dishes answers.
-- KEYS[1] last-id key, KEYS[2] dish id set, KEYS[3..] the hash of every dish of the set as the caller last read it
-- ARGV[1] dish key prefix
-- Returns {last id, {dish flat hash, ...}} | {'stale', {dish id, ...}} when the set holds a dish whose key was not declared

local last = redis.call('GET', KEYS[1]) or '0-0'
local dishes, ids = read_dishes(KEYS[2], ARGV[1], declared(3, #KEYS))
if not dishes then return {'stale', ids} end
return {last, dishes}
