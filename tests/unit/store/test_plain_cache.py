"""The plain strings kept in the process: what is read is what Redis holds, however it grew."""

from __future__ import annotations

from joblook import keys
from joblook.store.lines.plaincache import PlainCache
from joblook.store.logstore import LogStore

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
OTHER = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_a_kept_string_is_read_once_and_then_only_what_was_appended(store: LogStore) -> None:
    store.redis.set(keys.lines_plain(TASK), b"one\ntwo\n")
    cache = PlainCache(store.redis)
    assert cache.read(TASK, 0, 8) == b"one\ntwo\n"
    store.redis.set(keys.lines_plain(TASK), b"XXX\nXXX\nthree\n")  # only the end is read again
    assert cache.read(TASK, 4, 14) == b"two\nthree\n"
    assert cache.read(TASK, 0, 4) == b"one\n"


def test_what_does_not_fit_is_read_from_redis_and_the_oldest_string_goes(store: LogStore) -> None:
    store.redis.set(keys.lines_plain(TASK), b"a" * 100)
    store.redis.set(keys.lines_plain(OTHER), b"b" * 100)
    cache = PlainCache(store.redis, budget=150)
    assert cache.read(TASK, 50, 60) == b"a" * 10  # not from the start: not kept
    assert cache.read(TASK, 0, 30) == b"a" * 30
    assert cache.read(OTHER, 0, 30) == b"b" * 30
    assert cache.read(TASK, 0, 100) == b"a" * 100  # 130 kept: both stay
    assert cache.read(OTHER, 0, 100) == b"b" * 100  # 200 > 150: the least recent goes
    store.redis.set(keys.lines_plain(TASK), b"c" * 100)
    assert cache.read(TASK, 0, 100) == b"c" * 100  # read again from Redis
