-- Lease the scheduled attempts that are due: each is pushed ahead to the lease's end, so other web
-- processes leave it alone while this one sends it; one whose sender died is due again after it.
--
-- KEYS: due sorted set
-- ARGV: now, the lease's end (epoch seconds), most to lease
-- Returns the leased attempt ids.

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
end
return ids
