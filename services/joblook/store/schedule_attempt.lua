-- Schedule the next attempt of a retried task whose latest attempt failed: exactly once, however
-- many web processes see the failure, because only the one whose SREM takes the failed attempt off
-- the watch set goes on.
--
-- KEYS: watch set, due sorted set, the first attempt's hash, the new attempt's hash, task index
-- ARGV: failed attempt id, new attempt id, due (epoch seconds), creation score (epoch seconds),
--       '1' to watch the new attempt (it may be retried too), the first attempt's id, then the new
--       hash's field, value pairs
-- Returns 1 when scheduled, 0 when another process did (or the first attempt has expired).

local watch_key, due_key, first_key, new_key, tasks_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local failed, new_id, due, score, watch_next = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'

if redis.call('SREM', watch_key, failed) == 0 then
    return 0
end
if redis.call('EXISTS', first_key) == 0 then
    return 0
end
local fields = {}
for i = 7, #ARGV do
    fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', new_key, unpack(fields))
redis.call('ZADD', tasks_key, score, new_id)
redis.call('ZADD', due_key, due, new_id)
if watch_next then
    redis.call('SADD', watch_key, new_id)
end
local raw = redis.call('HGET', first_key, 'attempts')
local ids = {ARGV[6]}
if raw and raw ~= '' then
    ids = cjson.decode(raw)
end
table.insert(ids, new_id)
redis.call('HSET', first_key, 'attempts', cjson.encode(ids))
return 1
