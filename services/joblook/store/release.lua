-- Renew or give back what a task holds: its slots and the GPUs of its worker's pool.
--
-- KEYS: the worker's GPU pool hash, then the holders sorted set of each of the task's scopes
-- ARGV: task id, lease end (renew) or '' (give back), then the GPU ids the task holds
-- A slot or GPU that is no longer the task's (its lease ended and another took it) is left alone.

local pool, task_id, lease_end = KEYS[1], ARGV[1], ARGV[2]
for i = 2, #KEYS do
    if lease_end == '' then
        redis.call('ZREM', KEYS[i], task_id)
    else
        redis.call('ZADD', KEYS[i], 'XX', lease_end, task_id)
    end
end
for i = 3, #ARGV do
    local holder = redis.call('HGET', pool, ARGV[i])
    if holder and string.match(holder, '^%S+') == task_id then
        if lease_end == '' then
            redis.call('HDEL', pool, ARGV[i])
        else
            redis.call('HSET', pool, ARGV[i], task_id .. ' ' .. lease_end)
        end
    end
end
return 1
