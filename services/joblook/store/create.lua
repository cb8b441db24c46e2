-- Record new tasks as PENDING, index them by creation time, watch the retried ones, give the
-- limited ones their place in line, queue their broker messages and publish their task-sent
-- events: one script call for a whole batch. Redis runs it at once, so no reader sees half a
-- batch, and no message is queued before its task is recorded. With a claim, all of it happens
-- only if the claim is free (a schedule's due time: claimed and queued, or neither).
--
-- Also adds the audit entry of whoever created them, in the same call: the tasks and their "run"
-- entry are written together.
--
-- KEYS: the task hash of each task (N of them), the task index zset, the retry watch set, the
--       line ticket counter, the claim key (any key when there is no claim), the audit zset,
--       then the queues the messages go to (each the name of its list: kombu's Redis transport
--       key for a queue at priority 0) and the line sorted sets of the limit scopes the tasks
--       count against.
-- ARGV: created_at, its epoch seconds, N, the events' channel ('' for none), the claim's value
--       ('' for no claim), its lifetime in seconds, the audit entry ('' for none), its score,
--       the score entries older than go, the most entries kept (``store/audit.py``), then per
--       task: task_id, watched ('1' or ''), F (the number of hash fields), then F field/value
--       pairs, then L and the KEYS index of each of the L lines it joins; then per message three
--       values: the KEYS index of its queue, its envelope and its task-sent event ('' for
--       none), in the order they are to be taken (a worker BRPOPs a list's tail). Events are
--       published after every message is queued, as Celery publishes one after its message.
-- Returns N, or 0 (and does nothing) when the claim was already taken.
--
-- A place in line is a ticket: microseconds since the epoch, one more than the last ticket
-- given if the clock has not moved past it, so places follow enqueue order exactly, a batch's
-- in its own order (the acquire script reads them: store/slots.py).

local n = tonumber(ARGV[3])
local index_key, watch_key, ticket_key, claim_key = KEYS[n + 1], KEYS[n + 2], KEYS[n + 3], KEYS[n + 4]
local audit_key = KEYS[n + 5]
local epoch, channel, claim, claim_ttl = ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local CHUNK = 1000  -- values per ZADD, SADD or LPUSH: unpack() is bounded by Lua's C stack

if claim ~= '' and not redis.call('SET', claim_key, claim, 'NX', 'EX', claim_ttl) then
    return 0
end

local ticket = nil
local function next_ticket()
    if ticket == nil then
        local clock = redis.call('TIME')
        local last = tonumber(redis.call('GET', ticket_key)) or 0
        ticket = math.max(last, tonumber(clock[1]) * 1000000 + tonumber(clock[2]))
    end
    ticket = ticket + 1
    return ticket
end

local scores, watched = {}, {}
local at = 11
for i = 1, n do
    local task_id, watch, count = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
    redis.call('HSET', KEYS[i], unpack(ARGV, at + 3, at + 2 + 2 * count))
    at = at + 3 + 2 * count
    local lines = tonumber(ARGV[at])
    if lines > 0 then
        local place = next_ticket()
        for j = 1, lines do
            redis.call('ZADD', KEYS[tonumber(ARGV[at + j])], place, task_id)
        end
    end
    at = at + 1 + lines
    scores[#scores + 1] = epoch
    scores[#scores + 1] = task_id
    if watch ~= '' then watched[#watched + 1] = task_id end
    if #scores >= 2 * CHUNK or i == n then
        redis.call('ZADD', index_key, unpack(scores))
        scores = {}
    end
    if #watched >= CHUNK or (i == n and #watched > 0) then
        redis.call('SADD', watch_key, unpack(watched))
        watched = {}
    end
end
if ticket ~= nil then
    redis.call('SET', ticket_key, string.format('%d', ticket))
end

-- Consecutive messages to one queue go in one LPUSH (up to CHUNK at a time), in order.
local run_queue, run = nil, {}
local function flush()
    if #run > 0 then redis.call('LPUSH', run_queue, unpack(run)) end
    run = {}
end
for m = at, #ARGV, 3 do
    local queue = KEYS[tonumber(ARGV[m])]
    if queue ~= run_queue or #run >= CHUNK then
        flush()
        run_queue = queue
    end
    run[#run + 1] = ARGV[m + 1]
end
flush()
if channel ~= '' then
    for m = at + 2, #ARGV, 3 do
        if ARGV[m] ~= '' then redis.call('PUBLISH', channel, ARGV[m]) end
    end
end
if ARGV[7] ~= '' then
    redis.call('ZADD', audit_key, ARGV[8], ARGV[7])
    redis.call('ZREMRANGEBYSCORE', audit_key, '-inf', ARGV[9])
    redis.call('ZREMRANGEBYRANK', audit_key, 0, -tonumber(ARGV[10]) - 1)
end
return n
