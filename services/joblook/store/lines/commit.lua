-- Add what one catch-up step made of a task's log to its LINES index, if no one else did first.
--
-- The step read the log from ARGV[1] (the cursor it found) and turned the records up to ARGV[2]
-- into lines; if the cursor has moved meanwhile (another web process caught up first), nothing
-- is written and 0 is returned, so the caller reads the index again. Otherwise the strings grow
-- by what is given, the state and cursor are replaced, and the changed sections are set: all at
-- once, so a reader never sees lines without their checkpoints. The index expires with the log
-- (its TTL, set when the task ends, is copied).
--
-- KEYS: meta hash, text string, plain string, marks string, sections hash, log list
-- ARGV: cursor found, new cursor, state JSON, text, plain, marks, then (number, JSON) pairs
-- Returns 1 when written, 0 when the cursor had moved.

local meta = KEYS[1]
local found = tonumber(redis.call('HGET', meta, 'cursor') or '0')
if found ~= tonumber(ARGV[1]) then
    return 0
end
for i = 2, 4 do
    if ARGV[i + 2] ~= '' then
        redis.call('APPEND', KEYS[i], ARGV[i + 2])
    end
end
redis.call('HSET', meta, 'cursor', ARGV[2], 'state', ARGV[3])
for i = 7, #ARGV, 2 do
    redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1])
end
local ttl = redis.call('PTTL', KEYS[6])
if ttl > 0 then
    for i = 1, 5 do
        redis.call('PEXPIRE', KEYS[i], ttl)
    end
end
return 1
