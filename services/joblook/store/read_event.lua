-- The records one live event carries: those after a seq, at most a count of them and, written as
-- a JSON array ("[r1,r2]"), at most a number of bytes. The list is read a page at a time, each
-- page sized by the records read so far to what the budget has left, so a backlog of big records
-- never sits whole in Redis's or the web's memory, and small ones take one or two reads. The
-- first record is always taken, however big, so a record larger than the budget still goes out.
--
-- KEYS: the task's log list
-- ARGV: the seq to read after (= the index of the first record), most records, most bytes
-- Returns {more, record...}: more is 1 when the count or the budget stopped the read (so more
-- records may follow at once), 0 when the list ran out.

local first, most, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out, size = {0}, 1 -- the more flag, then the records; size counts "[" and each "," or "]"
local want = math.min(16, most)
while true do
    local start = first + #out - 1
    local page = redis.call('LRANGE', KEYS[1], start, start + want - 1)
    for _, item in ipairs(page) do
        if #out > 1 and size + #item + 1 > budget then
            out[1] = 1
            return out
        end
        out[#out + 1] = item
        size = size + #item + 1
    end
    local taken = #out - 1
    if #page < want then
        return out
    end
    if taken >= most then
        out[1] = 1
        return out
    end
    -- As many more as the budget left would hold at the average size so far (at least one).
    local fit = math.floor((budget - size) * taken / (size - 1)) + 1
    want = math.max(1, math.min(most - taken, fit))
end
