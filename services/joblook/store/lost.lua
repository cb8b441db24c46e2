-- Fail a running task whose worker is gone: STARTED, no heartbeat key, so no worker runs it.
--
-- KEYS: task hash, set of running task ids, the task's heartbeat key, log list, pending zset,
--       parked findings hash, metric series index hash, metric series state hash, ended-tasks list,
--       then the keys of its LINES index (store/lines), which expire with its log
-- ARGV: task_id, message, time, seconds to keep a finished task ('' for ever), prefix of the
--       metric series lists, '1' to queue the task for the webhook (see append.lua)
-- Returns 1 if it failed the task, 0 if the task was no longer running or has a heartbeat again.

local task_key, running_key, alive_key, log_key, pending_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local task_id, message, time, keep_for = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local series_prefix, queue_ended = ARGV[5], ARGV[6] == '1'

if redis.call('HGET', task_key, 'state') ~= 'STARTED' then
    redis.call('SREM', running_key, task_id)
    return 0
end
if redis.call('EXISTS', alive_key) == 1 then
    return 0
end
redis.call('HSET', task_key, 'state', 'FAILURE', 'exit_code', '', 'message', message,
    'finished_at', time)
redis.call('SREM', running_key, task_id)
if queue_ended then
    redis.call('RPUSH', KEYS[9], task_id)
    redis.call('LTRIM', KEYS[9], -10000, -1)
end
if keep_for ~= '' then
    for _, key in ipairs({task_key, log_key, pending_key, KEYS[6], KEYS[7], KEYS[8]}) do
        redis.call('EXPIRE', key, keep_for)
    end
    for index = 1, redis.call('HLEN', KEYS[7]) do
        redis.call('EXPIRE', series_prefix .. index, keep_for)
    end
    for i = 10, #KEYS do
        redis.call('EXPIRE', KEYS[i], keep_for)
    end
end
return 1
