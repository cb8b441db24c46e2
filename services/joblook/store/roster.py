"""Which workers serve which queues with which GPUs: each worker advertises itself in Redis.

A worker rewrites its advertisement every few seconds with a short expiry, so one that is gone
drops out without saying goodbye. The web reads the roster in its background loop (``web/
workers.py``) to tell "no worker serves queue X" and to refuse a task asking more GPUs than any
worker of its queue has; Celery's ping cannot carry either (it says only "pong").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
import redis

from joblook import keys


@dataclass(frozen=True)
class WorkerAd:
    """One worker as it advertised itself."""

    name: str
    queues: list[str]
    gpus: list[str]


def advertise(client: redis.Redis, ad: WorkerAd, ttl: float) -> None:
    """Say ``ad`` for ``ttl`` seconds."""
    now = time.time()
    body = orjson.dumps({"queues": ad.queues, "gpus": ad.gpus})
    pipe = client.pipeline(transaction=True)
    pipe.set(keys.worker(ad.name), body, px=round(ttl * 1000))
    pipe.zadd(keys.WORKERS, {ad.name: now + ttl})
    pipe.zremrangebyscore(keys.WORKERS, "-inf", now)
    pipe.execute()


def withdraw(client: redis.Redis, name: str) -> None:
    """A worker stopping on purpose leaves the roster at once."""
    pipe = client.pipeline(transaction=True)
    pipe.delete(keys.worker(name))
    pipe.zrem(keys.WORKERS, name)
    pipe.execute()


def read(client: redis.Redis) -> list[WorkerAd]:
    """The workers whose advertisement has not expired."""
    names = [n.decode() for n in client.zrangebyscore(keys.WORKERS, time.time(), "+inf")]
    if not names:
        return []
    bodies = client.mget([keys.worker(name) for name in names])
    ads = []
    for name, body in zip(names, bodies, strict=True):
        if body:
            data = orjson.loads(body)
            ads.append(WorkerAd(name, list(data["queues"]), list(data["gpus"])))
    return ads
