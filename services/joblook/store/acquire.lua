-- Take a slot in every limit scope a task names (and GPUs from its worker's pool), or park it.
--
-- KEYS: parked hash, woken sorted set, scopes hash, tasks sorted set (creation times), the
--       worker's GPU pool hash (any name when no GPUs are wanted),
--       then per scope: its holders sorted set and its waiting sorted set; last, when the task
--       asks for GPUs, the waiting sorted set of its queue's GPU tasks
-- ARGV: task id, now, lease end, the task's re-send spec (JSON), GPUs wanted, the worker's GPU
--       ids (space-separated), then per scope: its name and its limit; last, the GPU scope's name
-- Returns {1, GPU id, ...} when the task may run (its slots and GPUs are now held), or
--         {0, blocking scope, ...} when it waits: parked in the waiting set of each blocking scope.
--
-- Waiting is in creation order: a task never takes a free slot while an older one waits for the
-- same scope. Holders whose lease ended (their worker is gone) are dropped first.

local parked, woken, scopes, tasks, pool = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local task_id, now, lease_end = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local spec, gpus_wanted, pool_ids = ARGV[4], tonumber(ARGV[5]), ARGV[6]
local order = tonumber(redis.call('ZSCORE', tasks, task_id)) or now
local nscopes = (#ARGV - 6 - (gpus_wanted > 0 and 1 or 0)) / 2

local function older_waits(waiting)
    local first = redis.call('ZRANGE', waiting, 0, 0, 'WITHSCORES')
    if first[1] == nil or first[1] == task_id then return false end
    local score = tonumber(first[2])
    return score < order or (score == order and first[1] < task_id)
end

local blocked, blocked_keys = {}, {}
for i = 1, nscopes do
    local holders, waiting = KEYS[4 + 2 * i], KEYS[5 + 2 * i]
    local name, limit = ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
    redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
    local holding = redis.call('ZSCORE', holders, task_id)
    if not holding and (redis.call('ZCARD', holders) >= limit or older_waits(waiting)) then
        table.insert(blocked, name)
        table.insert(blocked_keys, {waiting, name, limit})
    end
end

local free = {}
if gpus_wanted > 0 then
    for id in string.gmatch(pool_ids, '%S+') do
        local holder = redis.call('HGET', pool, id)
        local lease = holder and tonumber(string.match(holder, '%S+ (%S+)'))
        if not holder or lease <= now or string.match(holder, '^%S+') == task_id then
            table.insert(free, id)
        end
    end
    local waiting = KEYS[#KEYS]
    if #free < gpus_wanted or older_waits(waiting) then
        table.insert(blocked, ARGV[#ARGV])
        table.insert(blocked_keys, {waiting, ARGV[#ARGV], 0})
    end
end

if #blocked > 0 then
    for _, entry in ipairs(blocked_keys) do
        redis.call('ZADD', entry[1], 'NX', order, task_id)
        redis.call('HSET', scopes, entry[2], entry[3])
    end
    redis.call('HSET', parked, task_id, spec)
    table.insert(blocked, 1, 0)
    return blocked
end

local given = {1}
for i = 1, nscopes do
    redis.call('ZADD', KEYS[4 + 2 * i], lease_end, task_id)
    redis.call('ZREM', KEYS[5 + 2 * i], task_id)
end
if gpus_wanted > 0 then
    redis.call('ZREM', KEYS[#KEYS], task_id)
    for i = 1, gpus_wanted do
        redis.call('HSET', pool, free[i], task_id .. ' ' .. lease_end)
        table.insert(given, free[i])
    end
end
redis.call('HDEL', parked, task_id)
redis.call('ZREM', woken, task_id)
return given
