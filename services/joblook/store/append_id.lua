-- Append an id to a JSON list kept in a field of an existing task hash (a task's re-runs).
--
-- KEYS: the task hash
-- ARGV: the field, the id
-- Returns 1 when appended, 0 when the task is gone (expired): it is not brought back.

if redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local ids = {}
if raw and raw ~= '' then
    ids = cjson.decode(raw)
end
table.insert(ids, ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(ids))
return 1
