"""The worker process's Redis client (the broker's Redis), one per URL and process."""

from __future__ import annotations

import functools

import redis


@functools.cache
def client(url: str) -> redis.Redis:
    """One client (and connection pool) per worker process."""
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
