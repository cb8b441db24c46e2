-- Take a slot in every limit scope a task names (and GPUs from its worker's pool), or park it.
--
-- KEYS: parked hash, woken sorted set, scopes hash, tasks sorted set (creation times), the
--       worker's GPU pool hash (any name when no GPUs are wanted),
--       then per scope: its holders sorted set, its waiting sorted set and its line; last, when
--       the task asks for GPUs, the waiting sorted set of its queue's GPU tasks
-- ARGV: task id, now, lease end, the task's re-send spec (JSON), GPUs wanted, the worker's GPU
--       ids (space-separated), the prefix of a task hash's key, then per scope: its name and its
--       limit; last, the GPU scope's name
-- Returns {1, GPU id, ...} when the task may run (its slots and GPUs are now held), or
--         {0, blocking scope, ...} when it waits: parked in the waiting set of each blocking scope.
--
-- A scope's slots go in line order: a task takes a free slot only when it heads its scope's
-- line, the scope's tasks not yet holding a slot by their place (given at enqueue: create.lua).
-- So two tasks enqueued in the same instant run in enqueue order, whichever reaches a worker
-- first. A head that can no longer run is dropped from the line as it is met: one no longer
-- PENDING (cancelled, failed unrun, expired), or one that has not reached a worker (not parked)
-- a lease's length after its place was given (its message was lost with a worker; should it
-- arrive after all, it takes its place back). A task with no place (a chain's step, a retry's
-- attempt, a head dropped as lost) is placed on arrival by when it was created (a place is
-- microseconds since the epoch).
-- GPU scopes wait in creation order. Holders whose lease ended (their worker is gone) are
-- dropped first.

local parked, woken, scopes, tasks, pool = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local task_id, now, lease_end = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local spec, gpus_wanted, pool_ids, task_prefix = ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local order = tonumber(redis.call('ZSCORE', tasks, task_id)) or now
local nscopes = (#ARGV - 7 - (gpus_wanted > 0 and 1 or 0)) / 2
local HEADS_DROPPED_MOST = 100  -- per scope and call, to keep the script short

local function older_waits(waiting)
    local first = redis.call('ZRANGE', waiting, 0, 0, 'WITHSCORES')
    if first[1] == nil or first[1] == task_id then return false end
    local score = tonumber(first[2])
    return score < order or (score == order and first[1] < task_id)
end

local function place_in(line)
    local place = tonumber(redis.call('ZSCORE', line, task_id))
    if place then return place end
    place = math.floor(order * 1000000)
    redis.call('ZADD', line, place, task_id)
    return place
end

local lost_before = (now - (lease_end - now)) * 1000000  -- places given before this are lost
local function older_in_line(line)
    for _ = 1, HEADS_DROPPED_MOST do
        local first = redis.call('ZRANGE', line, 0, 0, 'WITHSCORES')
        local head = first[1]
        if head == nil or head == task_id then return false end
        local alive = redis.call('HGET', task_prefix .. head, 'state') == 'PENDING'
        local arrived = redis.call('HEXISTS', parked, head) == 1
        if alive and (arrived or tonumber(first[2]) >= lost_before) then return true end
        redis.call('ZREM', line, head)
    end
    return true
end

local blocked, blocked_keys = {}, {}
for i = 1, nscopes do
    local holders, waiting, line = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
    local name, limit = ARGV[6 + 2 * i], tonumber(ARGV[7 + 2 * i])
    redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
    if not redis.call('ZSCORE', holders, task_id) then
        local place = place_in(line)
        if redis.call('ZCARD', holders) >= limit or older_in_line(line) then
            table.insert(blocked, name)
            table.insert(blocked_keys, {waiting, name, limit, place})
        end
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
        table.insert(blocked_keys, {waiting, ARGV[#ARGV], 0, order})
    end
end

if #blocked > 0 then
    for _, entry in ipairs(blocked_keys) do
        redis.call('ZADD', entry[1], 'NX', entry[4], task_id)
        redis.call('HSET', scopes, entry[2], entry[3])
    end
    redis.call('HSET', parked, task_id, spec)
    table.insert(blocked, 1, 0)
    return blocked
end

local given = {1}
for i = 1, nscopes do
    redis.call('ZADD', KEYS[3 + 3 * i], lease_end, task_id)
    redis.call('ZREM', KEYS[4 + 3 * i], task_id)
    redis.call('ZREM', KEYS[5 + 3 * i], task_id)
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
