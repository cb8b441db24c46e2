-- Fail a running task whose worker is gone: STARTED, no heartbeat key, so no worker runs it.
--
-- KEYS: task hash, set of running task ids, the task's heartbeat key, log list, pending zset
-- ARGV: task_id, message, time, seconds to keep a finished task ('' for ever)
-- Returns 1 if it failed the task, 0 if the task was no longer running or has a heartbeat again.

local task_key, running_key, alive_key, log_key, pending_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local task_id, message, time, keep_for = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

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
if keep_for ~= '' then
    for _, key in ipairs({task_key, log_key, pending_key}) do
        redis.call('EXPIRE', key, keep_for)
    end
end
return 1
