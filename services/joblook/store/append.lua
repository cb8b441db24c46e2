-- Append a batch of one task's records to its permanent log, exactly once and in seq order.
--
-- The log is a list whose index is seq - 1, so LLEN is the last contiguous seq: a record at or
-- below it is a duplicate (a resent batch) and is skipped; the next one is appended; one further
-- ahead waits in a sorted set until the gap before it fills. Runs atomically, so two web
-- processes storing the same resent batch cannot interleave.
--
-- KEYS: log list, pending zset, task hash, set of running task ids
-- ARGV: channel, task_id, seconds to keep a finished task ('' for ever), then 7 per record in seq
--       order:
--       seq, output bytes, state ('' for output), exit_code ('' for none), time, message, json
-- Returns {appended, last_seq, state_changed (0 or 1)}. Publishes "<task_id> <last_seq>" on the
-- channel when it appended.

local log_key, pending_key, task_key, running_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, task_id, keep_for = ARGV[1], ARGV[2], ARGV[3]
local FIELDS = 7
local last = redis.call('LLEN', log_key)
local appended = 0
local added_bytes = 0
local state_changed = 0
local finished = false
local buffer = {}
local has_pending = redis.call('ZCARD', pending_key) > 0

local function flush()
    if #buffer > 0 then
        redis.call('RPUSH', log_key, unpack(buffer))
        buffer = {}
    end
end

local function note_state(state, exit_code, time, message)
    if state == '' then return end
    state_changed = 1
    redis.call('HSET', task_key, 'state', state, 'exit_code', exit_code, 'message', message)
    if state == 'STARTED' then
        redis.call('HSET', task_key, 'started_at', time)
        local worker = string.match(message, '^started on (.+)$')
        if worker then redis.call('HSET', task_key, 'worker', worker) end
        redis.call('SADD', running_key, task_id)
    elseif state == 'SUCCESS' or state == 'FAILURE' or state == 'REVOKED' then
        redis.call('HSET', task_key, 'finished_at', time)
        redis.call('SREM', running_key, task_id)
        finished = true
    end
end

local function push(nbytes, state, exit_code, time, message, json)
    buffer[#buffer + 1] = json
    if #buffer >= 1000 then flush() end  -- unpack() has a stack limit
    last = last + 1
    appended = appended + 1
    added_bytes = added_bytes + nbytes
    note_state(state, exit_code, time, message)
end

-- Records parked earlier whose turn has come (rare: only when batches arrive out of order).
local function drain_pending()
    while has_pending do
        local due = redis.call('ZRANGEBYSCORE', pending_key, '-inf', last + 1)
        if #due == 0 then return end
        redis.call('ZREMRANGEBYSCORE', pending_key, '-inf', last + 1)
        for _, json in ipairs(due) do
            local r = cjson.decode(json)
            if r.seq == last + 1 then
                if r.stream == 'status' then
                    local exit_code = r.exit_code
                    if exit_code == nil or exit_code == cjson.null then exit_code = '' end
                    push(0, r.state, tostring(exit_code), r.time, r.log, json)
                else
                    push(string.len(r.log), '', '', '', '', json)
                end
            end
        end
        has_pending = redis.call('ZCARD', pending_key) > 0
    end
end

drain_pending()
for i = 4, #ARGV, FIELDS do
    local seq = tonumber(ARGV[i])
    if seq == last + 1 then
        push(tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
        drain_pending()
    elseif seq > last + 1 then
        redis.call('ZADD', pending_key, seq, ARGV[i + 6])
        has_pending = true
    end
end
flush()

if added_bytes > 0 then
    redis.call('HINCRBY', task_key, 'bytes', added_bytes)
end
if finished and keep_for ~= '' then
    for _, key in ipairs({log_key, pending_key, task_key}) do
        redis.call('EXPIRE', key, keep_for)
    end
end
if appended > 0 then
    redis.call('PUBLISH', channel, task_id .. ' ' .. last)
end
return {appended, last, state_changed}
