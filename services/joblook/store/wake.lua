-- Pick the waiters of one scope that may try again now; returns {task id, spec, ...} in order.
--
-- KEYS: the scope's holders sorted set, its waiting sorted set, parked hash, woken sorted set,
--       scopes hash
-- ARGV: scope name, its limit (0: a GPU scope, whose room the workers' pools decide), now,
--       most waiters to pick, seconds within which a waiter already re-sent is not re-sent
--
-- A slot scope picks as many of its oldest waiters as it has free slots; a GPU scope picks at
-- most ARGV[4]. A waiter with no spec left (it ran, or was cancelled) is dropped. A scope with
-- no waiters leaves the scopes hash, so sweepers stop looking at it.

local holders, waiting, parked, woken, scopes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local name, limit, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local most, quiet = tonumber(ARGV[4]), tonumber(ARGV[5])

redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
if redis.call('ZCARD', waiting) == 0 then
    redis.call('HDEL', scopes, name)
    return {}
end
local room = most
if limit > 0 then
    room = math.min(most, limit - redis.call('ZCARD', holders))
end
local picked = {}
if room <= 0 then return picked end
for _, task_id in ipairs(redis.call('ZRANGE', waiting, 0, room - 1)) do
    local spec = redis.call('HGET', parked, task_id)
    if not spec then
        redis.call('ZREM', waiting, task_id)
    else
        local at = tonumber(redis.call('ZSCORE', woken, task_id))
        if not at or at <= now - quiet then
            redis.call('ZADD', woken, now, task_id)
            table.insert(picked, task_id)
            table.insert(picked, spec)
        end
    end
end
return picked
