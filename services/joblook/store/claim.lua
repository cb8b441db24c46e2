-- Claim the next ended task for the webhook, putting back claims whose sender died.
--
-- KEYS: ended-tasks list, claims sorted set (task id scored by when it was claimed),
--       retries sorted set (task id scored by when its next try is due)
-- ARGV: now (epoch seconds), seconds after which a claim is taken to be abandoned
-- Returns the claimed task id, or nil when nothing is waiting or due.
-- A retry that is due goes first: it has waited longest.

local ended_key, claims_key, retries_key = KEYS[1], KEYS[2], KEYS[3]
local now, abandoned_after = tonumber(ARGV[1]), tonumber(ARGV[2])
local abandoned = redis.call('ZRANGEBYSCORE', claims_key, '-inf', now - abandoned_after)
for _, task_id in ipairs(abandoned) do
    redis.call('ZREM', claims_key, task_id)
    redis.call('LPUSH', ended_key, task_id)
end
local task_id = redis.call('ZRANGEBYSCORE', retries_key, '-inf', now, 'LIMIT', 0, 1)[1]
if task_id then
    redis.call('ZREM', retries_key, task_id)
else
    task_id = redis.call('LPOP', ended_key)
end
if task_id then
    redis.call('ZADD', claims_key, now, task_id)
end
return task_id
