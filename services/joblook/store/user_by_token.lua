-- The user a token digest belongs to, in one round trip: {name, entry JSON}, or nil.
--
-- KEYS: the token digests hash (digest -> name), the users hash (name -> entry JSON)
-- ARGV: the digest
--
-- Both reads happen at one point in time, so a token replaced or a user removed meanwhile is
-- never half-seen; the caller still compares the entry's digest in constant time.

local name = redis.call('HGET', KEYS[1], ARGV[1])
if not name then
    return nil
end
local entry = redis.call('HGET', KEYS[2], name)
if not entry then
    return nil
end
return {name, entry}
