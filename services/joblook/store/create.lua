-- Record new tasks as PENDING, index them by creation time, watch the retried ones, queue their
-- broker messages and publish their task-sent events: one script call for a whole batch. Redis runs it at once, so no reader
-- sees half a batch, and no message is queued before its task is recorded.
--
-- Also adds the audit entry of whoever created them, in the same call: the tasks and their "run"
-- entry are written together.
--
-- KEYS: the task hash of each task (N of them), the task index zset, the retry watch set, the
--       audit zset, then the queues the messages go to (each the name of its list: kombu's Redis
--       transport key for a queue at priority 0).
-- ARGV: created_at, its epoch seconds, N, the events' channel ('' for none), the audit entry
--       ('' for none), its score, the score entries older than go, the most entries kept
--       (``store/audit.py``), then per task:
--       task_id, watched ('1' or ''), F (the number of hash fields), then F field/value pairs;
--       then per message three values: its queue's place among the queue KEYS (1 for the
--       first), its envelope and its task-sent event ('' for none), in the order they are to be
--       taken (a worker BRPOPs a list's tail). Events are published after every message is
--       queued, as Celery publishes one after its message.
-- Returns N.

local n = tonumber(ARGV[3])
local index_key, watch_key, audit_key = KEYS[n + 1], KEYS[n + 2], KEYS[n + 3]
local epoch, channel = ARGV[2], ARGV[4]
local queue_keys = n + 3  -- the queues' KEYS follow this one
local CHUNK = 1000  -- values per ZADD, SADD or LPUSH: unpack() is bounded by Lua's C stack

local scores, watched = {}, {}
local at = 9
for i = 1, n do
    local task_id, watch, count = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
    redis.call('HSET', KEYS[i], unpack(ARGV, at + 3, at + 2 + 2 * count))
    at = at + 3 + 2 * count
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

-- Consecutive messages to one queue go in one LPUSH (up to CHUNK at a time), in order.
local run_queue, run = nil, {}
local function flush()
    if #run > 0 then redis.call('LPUSH', run_queue, unpack(run)) end
    run = {}
end
for m = at, #ARGV, 3 do
    local queue = KEYS[queue_keys + tonumber(ARGV[m])]
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
if ARGV[5] ~= '' then
    redis.call('ZADD', audit_key, ARGV[6], ARGV[5])
    redis.call('ZREMRANGEBYSCORE', audit_key, '-inf', ARGV[7])
    redis.call('ZREMRANGEBYRANK', audit_key, 0, -tonumber(ARGV[8]) - 1)
end
return n
