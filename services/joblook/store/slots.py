"""Concurrency limits and GPU pools: Redis semaphores a task takes before its command runs.

A scope (``queue:gpu``, ``job:train``) has a limit; the tasks holding its slots are a sorted set
scored by when their lease ends, so a slot whose worker vanished frees itself once the lease
runs out (the worker renews it while the command runs). Each scope also has a line: its tasks
not yet holding a slot, by their place, given at enqueue (``create.lua``), so that tasks take
slots in enqueue order even when a younger one reaches a worker first. A task that finds a scope
full, or an older task ahead of it in line, is *parked*: it joins the scope's waiting set in line
order, its message is kept in the parked hash, and the worker's process is free at once; nothing
spins.
Whoever frees a slot wakes the oldest waiters (``wake``): they are sent to their queue again and
try once more. A sweeper in every worker wakes those whose wake was lost (a worker killed between
the two), so waiting never depends on one process staying alive.

GPUs are a pool per worker (GPU id -> holder and lease end). A task that wants more GPUs than its
worker has free waits in its queue's GPU scope, ``gpus:<queue>``, woken when a GPU of that queue
is given back.

This module only keeps the books, atomically, with Lua; sending a woken task is the worker's
(``worker/admission.py``). The web reads the books to say what a task waits for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib import resources

import orjson
import redis

from joblook import keys

GPU_SCOPE_PREFIX = "gpus:"


def queue_scope(queue: str) -> str:
    return f"queue:{queue}"


def job_scope(job: str) -> str:
    return f"job:{job}"


def gpu_scope(queue: str) -> str:
    return f"{GPU_SCOPE_PREFIX}{queue}"


@dataclass(frozen=True)
class Ask:
    """What a task needs before its command runs: a slot in each limited scope, and GPUs."""

    task_id: str
    queue: str
    limits: list[tuple[str, int]] = field(default_factory=list)  # (scope, limit)
    gpus: int = 0

    @property
    def scopes(self) -> list[str]:
        """Every scope the task could wait in."""
        return [scope for scope, _limit in self.limits] + (
            [gpu_scope(self.queue)] if self.gpus else []
        )


@dataclass(frozen=True)
class Admission:
    """The answer to an ask: admitted with these GPU ids, or parked behind these scopes."""

    admitted: bool
    gpu_ids: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Waiting:
    """Where a parked task stands in one scope."""

    scope: str
    position: int  # 1 for the oldest waiter
    limit: int  # 0 for a GPU scope
    holders: int


class Slots:
    """The books of every scope and GPU pool, on one Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        scripts = resources.files("joblook.store")
        self._acquire = client.register_script(scripts.joinpath("acquire.lua").read_text())
        self._release = client.register_script(scripts.joinpath("release.lua").read_text())
        self._wake = client.register_script(scripts.joinpath("wake.lua").read_text())

    def acquire(
        self, ask: Ask, spec: dict[str, object], pool: tuple[str, list[str]], lease: float
    ) -> Admission:
        """Take the ask's slots and GPUs from ``pool`` (worker name, its GPU ids), or park it
        with ``spec`` (what re-sends it). Held for ``lease`` seconds unless renewed."""
        now = time.time()
        owner, ids = pool
        keys_ = [keys.PARKED, keys.WOKEN, keys.SCOPES, keys.TASKS, keys.gpu_pool(owner)]
        args: list[object] = [ask.task_id, now, now + lease, orjson.dumps(spec), ask.gpus]
        args += [" ".join(ids), keys.task("")]
        for scope, limit in ask.limits:
            keys_ += [keys.slot_holders(scope), keys.slot_waiting(scope), keys.slot_line(scope)]
            args += [scope, limit]
        if ask.gpus:
            keys_.append(keys.slot_waiting(gpu_scope(ask.queue)))
            args.append(gpu_scope(ask.queue))
        reply = [_text(item) for item in self._acquire(keys=keys_, args=args)]
        if reply[0] == "1":
            return Admission(True, gpu_ids=reply[1:])
        return Admission(False, blocked_by=reply[1:])

    def renew(self, ask: Ask, owner: str, gpu_ids: list[str], lease: float) -> None:
        """Push the lease of what the task holds ``lease`` seconds ahead."""
        self._hold(ask, owner, gpu_ids, str(time.time() + lease))

    def release(self, ask: Ask, owner: str, gpu_ids: list[str]) -> None:
        """Give back what the task holds (what it no longer holds is left alone)."""
        self._hold(ask, owner, gpu_ids, "")

    def _hold(self, ask: Ask, owner: str, gpu_ids: list[str], lease_end: str) -> None:
        holders = [keys.slot_holders(scope) for scope, _limit in ask.limits]
        self._release(
            keys=[keys.gpu_pool(owner), *holders], args=[ask.task_id, lease_end, *gpu_ids]
        )

    def wake(self, scope: str, limit: int, most: int, quiet: float) -> list[tuple[str, dict]]:
        """The oldest waiters of ``scope`` that may try again now (at most ``most``; a slot
        scope also no more than its free slots), each with its spec; ``quiet``: seconds within
        which a waiter already woken is not woken again."""
        keys_ = [keys.slot_holders(scope), keys.slot_waiting(scope)]
        keys_ += [keys.PARKED, keys.WOKEN, keys.SCOPES]
        reply = self._wake(keys=keys_, args=[scope, limit, time.time(), most, quiet])
        return [(_text(reply[i]), orjson.loads(reply[i + 1])) for i in range(0, len(reply), 2)]

    def scopes(self) -> dict[str, int]:
        """Every scope that has waiters (or had them lately) -> its limit (0: a GPU scope)."""
        return {_text(k): int(v) for k, v in self.redis.hgetall(keys.SCOPES).items()}

    def parked(self) -> list[str]:
        """The ids of the tasks parked now."""
        return [_text(task_id) for task_id in self.redis.hkeys(keys.PARKED)]

    def unpark(self, task_id: str) -> dict | None:
        """Take a parked task's spec out (None if another sweeper took it first)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hget(keys.PARKED, task_id)
        pipe.hdel(keys.PARKED, task_id)
        spec, deleted = pipe.execute()
        return orjson.loads(spec) if spec and deleted else None

    def forget(self, task_id: str, scopes: list[str]) -> None:
        """Take a task out of every waiting set and line (it was cancelled while it waited)."""
        pipe = self.redis.pipeline(transaction=True)
        for scope in scopes:
            pipe.zrem(keys.slot_waiting(scope), task_id)
            pipe.zrem(keys.slot_line(scope), task_id)
        pipe.hdel(keys.PARKED, task_id)
        pipe.zrem(keys.WOKEN, task_id)
        pipe.execute()

    def waiting(self, task_id: str, scopes: list[str]) -> list[Waiting]:
        """Where the task waits, scope by scope (none when it waits nowhere)."""
        pipe = self.redis.pipeline(transaction=False)
        for scope in scopes:
            pipe.zrank(keys.slot_waiting(scope), task_id)
            pipe.hget(keys.SCOPES, scope)
            pipe.zcount(keys.slot_holders(scope), time.time(), "+inf")
        replies = pipe.execute()
        found = []
        for i, scope in enumerate(scopes):
            rank, limit, holders = replies[3 * i : 3 * i + 3]
            if rank is not None:
                found.append(Waiting(scope, rank + 1, int(limit or 0), holders))
        return found

    def record_gpus(self, task_id: str, owner: str, gpu_ids: list[str], keep: float) -> None:
        """Note which GPUs of which worker the task was given, for its page."""
        self.redis.set(keys.held_gpus(task_id), f"{','.join(gpu_ids)} {owner}", ex=round(keep))

    def gpus_of(self, task_id: str) -> list[str] | None:
        """The GPU ids the task was given (None if it was given none, or not yet)."""
        value = self.redis.get(keys.held_gpus(task_id))
        if not value:
            return None
        ids = _text(value).split(" ", 1)[0]
        return ids.split(",") if ids else []


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
