-- With WRITE_MIN_REPLICAS: once a write's WAIT confirmed that replicas hold everything up to ARGV[2], publishes in
-- order the events after the confirmed mark up to it (at most ARGV[3] per call: the caller calls again) and moves the
-- mark. Events of earlier writes that timed out waiting, if still there, go out here too; concurrent writers'
-- confirmations may arrive in any order, and a mark already past ARGV[2] publishes nothing.
-- KEYS[1] event stream, KEYS[2] confirmed-id key
-- ARGV[1] channel, ARGV[2] the newest event the WAIT covered, ARGV[3] most events published by this call
-- Returns the confirmed mark after the call.

local upto, cap = ARGV[2], tonumber(ARGV[3])
local confirmed = redis.call('GET', KEYS[2])
if not confirmed then
  -- A log written before durability was on: the mark starts just before the first confirmed event.
  local first = redis.call('XRANGE', KEYS[1], upto, upto)
  if #first == 0 then return '0-0' end
  local fields = first[1][2]
  for i = 1, #fields, 2 do if fields[i] == 'prev' then confirmed = fields[i + 1] end end
  confirmed = confirmed or '0-0'
end
if compare_ids(upto, confirmed) <= 0 then return confirmed end
local entries = redis.call('XRANGE', KEYS[1], '(' .. confirmed, upto, 'COUNT', cap)
for _, entry in ipairs(entries) do
  local f = {}
  local fields = entry[2]
  for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
  redis.call('SPUBLISH', ARGV[1], envelope_of(entry[1], f.prev, f.type, f.ts, f.data))
  confirmed = entry[1]
end
if #entries < cap then confirmed = upto end
redis.call('SET', KEYS[2], confirmed)
return confirmed
