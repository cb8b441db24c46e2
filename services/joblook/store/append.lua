-- Append a batch of one task's records to its permanent log, exactly once and in seq order.
--
-- The log is a list whose index is seq - 1, so LLEN is the last contiguous seq: a record at or
-- below it is a duplicate (a resent batch) and is skipped; the next one is appended; one further
-- ahead waits in a sorted set until the gap before it fills. Runs atomically, so two web
-- processes storing the same resent batch cannot interleave.
--
-- What the output says about progress and metrics (joblook/progress.py, found by the caller) is
-- applied here, for the records appended and in seq order: so a resent record never adds a metric
-- point twice, and the latest progress is the one printed last. A record parked ahead of a gap
-- keeps its finding in a hash until its turn comes.
--
-- KEYS: log list, pending zset, task hash, set of running task ids, parked findings hash,
--       metric series index hash (name -> number), metric series state hash, ended-tasks list
-- ARGV: channel, task_id, seconds to keep a finished task ('' for ever), prefix of the metric
--       series lists (the series number is appended), '1' to queue ended tasks for the webhook,
--       most series per task, most points kept per series, N, then N (seq, finding JSON) pairs,
--       then 7 per record in seq order:
--       seq, output bytes, state ('' for output), exit_code ('' for none), time, message, json
-- A finding: {"p": fraction, "e": seconds left, "t": epoch seconds of the record,
--             "m": [[name, value as JSON text], ...], "s": step as JSON text}, every key optional.
-- Returns {appended, last_seq, state_changed (0 or 1), progress, points}: progress is {} or
-- {fraction, eta ('' for none)} as strings when this batch changed it; points is a flat list
-- name, "[step,value]", name, ... of the metric points this batch added. Publishes
-- "<task_id> <last_seq>" on the channel when it appended.

local log_key, pending_key, task_key, running_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local parked_key, series_key, series_state_key, ended_key = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local channel, task_id, keep_for, series_prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local queue_ended = ARGV[5] == '1'
local max_series, max_points = tonumber(ARGV[6]), tonumber(ARGV[7])
local FIELDS = 7
-- The states a task ends in: record.TERMINAL_STATES (tests/unit/store/test_scripts.py compares).
local TERMINAL = {SUCCESS = true, FAILURE = true, REVOKED = true}
local MAX_ENDED = 10000  -- ended tasks waiting for the webhook; older ones are dropped
local last = redis.call('LLEN', log_key)
local appended = 0
local added_bytes = 0
local state_changed = 0
local finished = false
local buffer = {}
local findings = {}
local n_findings = tonumber(ARGV[8])
for i = 9, 8 + 2 * n_findings, 2 do
    findings[tonumber(ARGV[i])] = ARGV[i + 1]
end
local first_record = 9 + 2 * n_findings
local last_output = nil  -- the json of the last output record appended
local progress = nil  -- loaded on first use: {p, p0, t0, e, changed}
local step = nil  -- the last metric step, loaded on first use
local points = {}
local has_pending = redis.call('ZCARD', pending_key) > 0

local function flush()
    if #buffer > 0 then
        redis.call('RPUSH', log_key, unpack(buffer))
        buffer = {}
    end
end

-- A task's first end stands: a status arriving after it (the worker's own end, shipped late by a
-- host that was cut off after the web had failed the task as "worker lost") is kept in the log
-- but changes no state, so nobody is told a task ended twice.
local ended = TERMINAL[redis.call('HGET', task_key, 'state')] == true

local function note_state(state, exit_code, time, message)
    if state == '' or ended then return end
    ended = TERMINAL[state] == true
    state_changed = 1
    redis.call('HSET', task_key, 'state', state, 'exit_code', exit_code, 'message', message)
    if state == 'STARTED' then
        redis.call('HSET', task_key, 'started_at', time)
        local worker = string.match(message, '^started on (.+)$')
        if worker then redis.call('HSET', task_key, 'worker', worker) end
        redis.call('SADD', running_key, task_id)
    elseif TERMINAL[state] then
        redis.call('HSET', task_key, 'finished_at', time)
        redis.call('SREM', running_key, task_id)
        finished = true
        if queue_ended then
            redis.call('RPUSH', ended_key, task_id)
            redis.call('LTRIM', ended_key, -MAX_ENDED, -1)
        end
    end
end

-- The fraction done, and the time left: the program's own estimate, else the rate so far (since
-- the bar started: its first value, or the last time it went backwards, as a new bar does).
local function note_progress(p, eta, t)
    if progress == nil then
        local v = redis.call('HMGET', task_key, 'progress', 'progress_p0', 'progress_t0')
        progress = {p = tonumber(v[1]), p0 = tonumber(v[2]), t0 = tonumber(v[3])}
    end
    if t ~= nil and (progress.t0 == nil or (progress.p ~= nil and p < progress.p)) then
        progress.p0, progress.t0 = p, t
    end
    if eta == nil and t ~= nil and p > progress.p0 and t > progress.t0 then
        eta = (t - progress.t0) / (p - progress.p0) * (1 - p)
    end
    progress.p, progress.e, progress.changed = p, eta, true
end

-- Each series this batch touches: {n = points received, stride = keep every stride-th, last},
-- read once and written back at the end.
local series = {}
local function series_of(index)
    local state = series[index]
    if state == nil then
        local v = redis.call('HMGET', series_state_key, index .. ':n', index .. ':stride')
        state = {n = tonumber(v[1]) or 0, stride = tonumber(v[2]) or 1}
        series[index] = state
    end
    return state
end

-- Keep at most max_points per series, evenly spread over the whole run: past the bound, every
-- other point goes and from then on only every stride-th point received is kept.
local function add_point(index, name, point)
    local state = series_of(index)
    state.n = state.n + 1
    state.last = point
    points[#points + 1] = name
    points[#points + 1] = point
    if (state.n - 1) % state.stride ~= 0 then return end
    local list = series_prefix .. index
    if redis.call('RPUSH', list, point) <= max_points then return end
    local all = redis.call('LRANGE', list, 0, -1)
    redis.call('DEL', list)
    local kept = {}
    for i = 1, #all, 2 do
        kept[#kept + 1] = all[i]
        if #kept >= 1000 then  -- unpack() has a stack limit
            redis.call('RPUSH', list, unpack(kept))
            kept = {}
        end
    end
    if #kept > 0 then redis.call('RPUSH', list, unpack(kept)) end
    state.stride = state.stride * 2
end

-- A series' number (1, 2... in order of first appearance), or false once a task has max_series.
local numbers = {}
local series_count = nil
local function number_of(name)
    local number = numbers[name]
    if number ~= nil then return number end
    number = redis.call('HGET', series_key, name)
    if not number then
        series_count = series_count or redis.call('HLEN', series_key)
        if series_count < max_series then
            series_count = series_count + 1
            number = tostring(series_count)
            redis.call('HSET', series_key, name, number)
        end
    end
    numbers[name] = number
    return number
end

local function format_step(value)
    if value == math.floor(value) and math.abs(value) < 2^53 then
        return string.format('%d', value)
    end
    return string.format('%.17g', value)
end

-- A metrics line: its step is the one it gives, else the previous step + 1 (0 at first).
local function note_metrics(metrics, given_step)
    if step == nil then
        step = redis.call('HGET', series_state_key, 'step')
    end
    if given_step ~= nil then
        step = given_step
    elseif step then
        step = format_step(tonumber(step) + 1)
    else
        step = '0'
    end
    for _, pair in ipairs(metrics) do
        local number = number_of(pair[1])
        if number then add_point(number, pair[1], '[' .. step .. ',' .. pair[2] .. ']') end
    end
end

local function apply(finding)
    local f = cjson.decode(finding)
    if f.p ~= nil then note_progress(f.p, f.e, f.t) end
    if f.m ~= nil then note_metrics(f.m, f.s) end
end

local function push(nbytes, state, exit_code, time, message, json, finding)
    buffer[#buffer + 1] = json
    if #buffer >= 1000 then flush() end  -- unpack() has a stack limit
    last = last + 1
    appended = appended + 1
    added_bytes = added_bytes + nbytes
    if state == '' then last_output = json end
    note_state(state, exit_code, time, message)
    if finding then apply(finding) end
end

-- Records parked earlier whose turn has come (rare: only when batches arrive out of order).
local function drain_pending()
    while has_pending do
        local due = redis.call('ZRANGEBYSCORE', pending_key, '-inf', last + 1)
        if #due == 0 then return end
        redis.call('ZREMRANGEBYSCORE', pending_key, '-inf', last + 1)
        for _, json in ipairs(due) do
            local r = cjson.decode(json)
            local finding = redis.call('HGET', parked_key, r.seq)
            if finding then redis.call('HDEL', parked_key, r.seq) end
            if r.seq == last + 1 then
                if r.stream == 'status' then
                    local exit_code = r.exit_code
                    if exit_code == nil or exit_code == cjson.null then exit_code = '' end
                    push(0, r.state, tostring(exit_code), r.time, r.log, json, finding)
                else
                    push(string.len(r.log), '', '', '', '', json, finding)
                end
            end
        end
        has_pending = redis.call('ZCARD', pending_key) > 0
    end
end

drain_pending()
for i = first_record, #ARGV, FIELDS do
    local seq = tonumber(ARGV[i])
    if seq == last + 1 then
        push(tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6],
             findings[seq])
        drain_pending()
    elseif seq > last + 1 then
        redis.call('ZADD', pending_key, seq, ARGV[i + 6])
        if findings[seq] then redis.call('HSET', parked_key, seq, findings[seq]) end
        has_pending = true
    end
end
flush()

if last_output then
    redis.call('HSET', task_key, 'last_output_at', cjson.decode(last_output).time)
end
local progress_reply = {}
if progress ~= nil and progress.changed then
    local eta = progress.e and string.format('%.3f', progress.e) or ''
    local p = string.format('%.17g', progress.p)
    redis.call('HSET', task_key, 'progress', p, 'eta_seconds', eta,
        'progress_p0', string.format('%.17g', progress.p0 or progress.p),
        'progress_t0', progress.t0 and string.format('%.6f', progress.t0) or '')
    progress_reply = {p, eta}
end
if step ~= nil and step then
    redis.call('HSET', series_state_key, 'step', step)
end
for number, state in pairs(series) do
    redis.call('HSET', series_state_key, number .. ':n', state.n, number .. ':stride', state.stride,
        number .. ':last', state.last)
end

if added_bytes > 0 then
    redis.call('HINCRBY', task_key, 'bytes', added_bytes)
end
if finished and keep_for ~= '' then
    for _, key in ipairs({log_key, pending_key, task_key, parked_key, series_key,
                          series_state_key}) do
        redis.call('EXPIRE', key, keep_for)
    end
    for index = 1, redis.call('HLEN', series_key) do
        redis.call('EXPIRE', series_prefix .. index, keep_for)
    end
end
if appended > 0 then
    redis.call('PUBLISH', channel, task_id .. ' ' .. last)
end
return {appended, last, state_changed, progress_reply, points}
