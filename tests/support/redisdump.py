"""Everything a Redis database holds, as bytes to search (for tests that a value is nowhere)."""

from __future__ import annotations

import redis


def every_stored_byte(client: redis.Redis) -> bytes:
    """Every key and every value of every string, hash, list, set and sorted set, joined."""
    blob = []
    for key in client.scan_iter():
        kind = client.type(key)
        blob.append(key)
        if kind == b"string":
            blob.append(client.get(key) or b"")
        elif kind == b"hash":
            blob.extend(b"".join(pair) for pair in client.hgetall(key).items())
        elif kind == b"list":
            blob.extend(client.lrange(key, 0, -1))
        elif kind == b"set":
            blob.extend(client.smembers(key))
        elif kind == b"zset":
            blob.extend(client.zrange(key, 0, -1))
        elif kind == b"stream":
            blob.extend(repr(entry).encode() for entry in client.xrange(key))
    return b"\n".join(blob)
