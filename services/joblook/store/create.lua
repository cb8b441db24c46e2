-- Record new tasks as PENDING, index them by creation time, and queue their broker messages:
-- one script call for a whole batch. Redis runs it at once, so no reader sees half a batch, and
-- no message is queued before its task is recorded.
--
-- KEYS: the task hash of each task (N of them), the task index zset, the queue list.
-- ARGV: created_at, its epoch seconds, the PENDING state, then per task 5 values (task_id, cmd,
--       timeout, parent, params: '' for none), then the tasks' N messages, in the order they are
--       to be taken (a worker BRPOPs the list's tail), or none.
-- Returns N.

local n = #KEYS - 2
local index_key, queue_key = KEYS[n + 1], KEYS[n + 2]
local now, epoch, pending = ARGV[1], ARGV[2], ARGV[3]
local CHUNK = 1000  -- values per ZADD or LPUSH: unpack() is bounded by Lua's C stack

local scores = {}
for i = 1, n do
    local at = 3 + (i - 1) * 5
    local fields = {'cmd', ARGV[at + 2], 'timeout', ARGV[at + 3], 'state', pending,
                    'exit_code', '', 'created_at', now}
    if ARGV[at + 4] ~= '' then
        fields[#fields + 1] = 'parent'; fields[#fields + 1] = ARGV[at + 4]
    end
    if ARGV[at + 5] ~= '' then
        fields[#fields + 1] = 'params'; fields[#fields + 1] = ARGV[at + 5]
    end
    redis.call('HSET', KEYS[i], unpack(fields))
    scores[#scores + 1] = epoch
    scores[#scores + 1] = ARGV[at + 1]
    if #scores >= 2 * CHUNK or i == n then
        redis.call('ZADD', index_key, unpack(scores))
        scores = {}
    end
end

local messages_at = 3 + n * 5
for first = messages_at + 1, #ARGV, CHUNK do
    redis.call('LPUSH', queue_key, unpack(ARGV, first, math.min(first + CHUNK - 1, #ARGV)))
end
return n
