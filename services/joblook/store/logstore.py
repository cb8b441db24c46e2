"""The permanent log and task index, kept in Redis.

Per task: a list of encoded records (index = seq - 1), a hash of what is known about the task, and a
sorted set where records that arrived ahead of a gap wait. Appending is one Lua script per task and
batch (see ``append.lua``), so storing is idempotent on ``(task_id, seq)`` and in order, and the
notification that wakes live viewers is published atomically with the write.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from operator import attrgetter

import orjson
import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from joblook import keys, record
from joblook.progress import Found
from joblook.record import Record, State, StatusRecord
from joblook.store import metrics
from joblook.store.audit import NO_ENTRY_ARGS, Entry
from joblook.store.connection import pool_options
from joblook.store.lines.index import LineIndex
from joblook.store.metrics import SeriesKeys
from joblook.store.taskinfo import TaskInfo

__all__ = ["Appended", "LogStore", "NewTask", "TaskInfo", "decode_records"]

LIST_PAGE = 200  # task ids read per step while listing
LIST_SCAN_LIMIT = 20_000  # a state filter looks back at most this many tasks
# redis-py 8 caps a pool at 100 connections and raises past that. Each connection is held for
# one command or script only (plus one per pub/sub listener), so this many serve thousands of
# clients; past it, callers queue for up to POOL_WAIT_SECONDS, then get a ConnectionError (503).
POOL_CONNECTIONS = 64
POOL_WAIT_SECONDS = 20.0
RECONNECT_TRIES = 1


@dataclass(frozen=True, slots=True)
class Claim:
    """A key that must be free for tasks to be created, and is taken by their creation."""

    key: str
    value: str
    ttl: int  # seconds


@dataclass(frozen=True, slots=True)
class NewTask:
    """A task about to be queued: its command as shown, its timeout, its chain, group or sweep,
    (a sweep's run) the parameters it runs with, as JSON text, and ``fields``: the rest of its
    hash (placement, definition, retries, re-run link, schedule: ``launching.task_fields``)."""

    task_id: str
    cmd: str
    timeout: float | None = None
    parent: str | None = None
    params: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    lines: tuple[str, ...] = ()
    """The limit scopes (``queue:gpu``) in whose line it takes its place as it is created."""

    @property
    def watched(self) -> bool:
        """Retried tasks are watched for their failure (``store/attempts.py``)."""
        return int(self.fields.get("retries") or 0) > 0

    def hash(self, now: str) -> dict[str, str]:
        """Its task hash, as created at ``now``."""
        own = {"cmd": self.cmd, "timeout": "" if self.timeout is None else str(self.timeout)}
        if self.parent:
            own["parent"] = self.parent
        if self.params is not None:
            own["params"] = self.params
        return created_fields({**self.fields, **own}, now)

    def info(self, now: str) -> TaskInfo:
        """Its view as created at ``now``, without reading it back."""
        return TaskInfo.from_fields(self.task_id, self.hash(now), 0)


@dataclass(slots=True)
class Appended:
    """What one append did: how many records were new, which tasks changed state, and what the
    new records said about progress (task -> (fraction, eta seconds or None)) and metrics
    (task -> series name -> ``[step,value]`` JSON texts)."""

    stored: int
    state_changed: list[str]
    progress: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    points: dict[str, dict[str, list[bytes]]] = field(default_factory=dict)


class LogStore:
    """Permanent per-task logs and task metadata in one Redis."""

    def __init__(
        self,
        client: redis.Redis,
        log_ttl: float | None = None,
        queue_ended: bool = False,
    ) -> None:
        """``log_ttl``: seconds a finished task is kept (its log, its metadata); None: for ever.
        ``queue_ended``: put each task that ends on the ``ended`` list (for the webhook)."""
        self.redis = client
        self._queue_ended = "1" if queue_ended else ""
        self._keep_for = "" if log_ttl is None else str(math.ceil(log_ttl))
        scripts = resources.files("joblook.store")
        self._append = client.register_script(scripts.joinpath("append.lua").read_text())
        self._lost = client.register_script(scripts.joinpath("lost.lua").read_text())
        self._read_event = client.register_script(scripts.joinpath("read_event.lua").read_text())
        self._append_id = client.register_script(scripts.joinpath("append_id.lua").read_text())
        self._create_many = client.register_script(scripts.joinpath("create.lua").read_text())
        self.lines = LineIndex(client)

    @classmethod
    def from_url(
        cls, url: str, log_ttl: float | None = None, queue_ended: bool = False
    ) -> LogStore:
        # A blocking pool: when every connection is busy (a thousand viewers subscribing at once
        # in the web), a caller waits its turn instead of failing with "Too many connections".
        # A connection Redis closed (it restarted) is retried once on a new one, so the first
        # request after a restart is answered instead of failing with 503. What this store
        # writes is safe to send twice: appends are idempotent on (task, seq), task fields are
        # set to fixed values, and a webhook claim sent twice is taken back after a minute.
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_CONNECTIONS,
            timeout=POOL_WAIT_SECONDS,
            health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RECONNECT_TRIES),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
            **pool_options(url),
        )
        return cls(redis.Redis(connection_pool=pool), log_ttl=log_ttl, queue_ended=queue_ended)

    def create_task(
        self,
        task_id: str,
        cmd: str,
        timeout: float | None = None,
        *,
        parent: str | None = None,
        placement: tuple[str, int] | None = None,
        extra: dict[str, str] | None = None,
        schedule_id: str | None = None,
    ) -> None:
        """Record a newly enqueued command as PENDING and index it by creation time;
        ``placement``: its queue and the GPUs it asks for; ``extra``: more fields (its
        definition, retries, the task it re-runs: ``web/submit.py``); ``schedule_id``: the
        schedule that started it. A task with retries is watched for its failure
        (``store/attempts.py``) from the same script call."""
        fields: dict[str, str] = {}
        if placement is not None:
            fields |= {"queue": placement[0], "gpus": str(placement[1])}
        fields |= (extra or {}) | ({"schedule_id": schedule_id} if schedule_id else {})
        self.create_tasks([NewTask(task_id, cmd, timeout, parent, fields=fields)])

    def create_parent(
        self,
        task_id: str,
        kind: str,
        cmd: str,
        steps: list[str],
        extra: dict[str, str] | None = None,
    ) -> None:
        """Record a chain, group or sweep; its state is always derived from its steps.
        ``extra``: more fields of its own (its definition, a sweep's grid)."""
        fields = {"cmd": cmd, "kind": kind, "steps": orjson.dumps(steps).decode(), **(extra or {})}
        when = dt.datetime.now(dt.UTC)
        now = record.timestamp(when)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(keys.task(task_id), mapping=created_fields(fields, now))
        pipe.zadd(keys.TASKS, {task_id: when.timestamp()})
        pipe.execute()

    def mark_cancelled_by(self, task_ids: list[str], name: str) -> None:
        """Note who asked for these tasks to be cancelled; the first to ask stays."""
        with self.redis.pipeline(transaction=False) as pipe:
            for task_id in task_ids:
                pipe.hsetnx(keys.task(task_id), "cancelled_by", name)
            pipe.execute()

    def add_rerun(self, task_id: str, rerun_id: str) -> None:
        """Note on a task that ``rerun_id`` re-runs it (nothing if the task has expired)."""
        self._append_id(keys=[keys.task(task_id)], args=["reruns", rerun_id])

    def create_tasks(
        self,
        tasks: Sequence[NewTask],
        messages: Sequence[tuple[str, bytes]] = (),
        events: tuple[str, Sequence[bytes]] | None = None,
        audit: Entry | None = None,
    ) -> str:
        """Record ``tasks`` as PENDING and index them, all created now (which it returns), watch
        the retried ones, give each its place in the line of its limit scopes, then push each
        of ``messages`` (queue, envelope) onto its queue's list and publish ``events`` (a
        channel, and each message's task-sent event) on the channel, and add ``audit`` (who
        created them) to the audit trail: one script call (``create.lua``), however many tasks.
        (Not in a pipeline: there, redis-py asks SCRIPT EXISTS first, a second round trip for
        every call; alone, it runs EVALSHA and loads the script only when Redis answers
        NOSCRIPT.)"""
        created = self.create_claimed(tasks, messages, events, audit=audit)
        assert created is not None  # only a claim can be refused
        return created

    def create_claimed(
        self,
        tasks: Sequence[NewTask],
        messages: Sequence[tuple[str, bytes]] = (),
        events: tuple[str, Sequence[bytes]] | None = None,
        claim: Claim | None = None,
        audit: Entry | None = None,
    ) -> str | None:
        """:meth:`create_tasks`, and with ``claim`` only if its key is free, which the same
        script call then takes: None (and nothing created) when it was taken already."""
        when = dt.datetime.now(dt.UTC)
        now = record.timestamp(when)
        if not tasks:
            return now
        channel, sent = events or ("", [b""] * len(messages))
        claim_args = [claim.value, claim.ttl] if claim else ["", 0]
        args: list[object] = [now, when.timestamp(), len(tasks), channel, *claim_args]
        args += audit.script_args() if audit is not None else NO_ENTRY_ARGS
        fixed = [keys.TASKS, keys.RETRY_WATCH, keys.SLOT_TICKET, claim.key if claim else keys.TASKS]
        fixed.append(keys.AUDIT)
        at = len(tasks) + len(fixed) + 1  # the KEYS index (from 1) of the first queue or line
        queues = list(dict.fromkeys(queue for queue, _ in messages))
        scopes = list(dict.fromkeys(s for new in tasks for s in new.lines))
        place = {name: i for i, name in enumerate([*queues, *map(keys.slot_line, scopes)], at)}
        for new in tasks:
            fields = new.hash(now)
            args += [new.task_id, "1" if new.watched else "", len(fields)]
            args += itertools.chain.from_iterable(fields.items())
            args += [len(new.lines), *(place[keys.slot_line(s)] for s in new.lines)]
        for (queue, envelope), event in zip(messages, sent, strict=True):
            args += [place[queue], envelope, event]
        task_keys = [keys.task(new.task_id) for new in tasks]
        lines = [keys.slot_line(s) for s in scopes]
        created = self._create_many(keys=[*task_keys, *fixed, *queues, *lines], args=args)
        return now if created else None

    def append(
        self, records: Iterable[Record], findings: dict[str, list[Found]] | None = None
    ) -> Appended:
        """Store records (any tasks, any order, duplicates allowed), and ``findings``: what their
        output says about progress and metrics (``progress.findings(records)``), applied with the
        records they came from."""
        findings = findings or {}
        by_task = sorted(records, key=attrgetter("task_id", "seq"))
        pipe = self.redis.pipeline(transaction=False)
        task_ids = []
        for task_id, group in itertools.groupby(by_task, key=attrgetter("task_id")):
            batch = list(group)
            series = SeriesKeys.of(task_id)
            task_keys = [keys.log(task_id), keys.pending(task_id), keys.task(task_id)]
            task_keys += [keys.RUNNING, series.parked, series.index, series.state, keys.ENDED]
            args: list[object] = [keys.APPENDED, task_id, self._keep_for, series.lists]
            args += [self._queue_ended, metrics.MAX_SERIES, metrics.MAX_POINTS]
            args += metrics.findings_args(findings.get(task_id, []))
            for r in batch:
                args.extend(_script_args(r))
            self._append(keys=task_keys, args=args, client=pipe)
            task_ids.append(task_id)
        appended = Appended(stored=0, state_changed=[])
        for task_id, reply in zip(task_ids, pipe.execute(), strict=True):
            count, _last, changed, fraction, points = reply
            appended.stored += count
            if changed:
                appended.state_changed.append(task_id)
            if fraction:
                eta = float(fraction[1]) if fraction[1] else None
                appended.progress[task_id] = (float(fraction[0]), eta)
            if points:
                appended.points[task_id] = metrics.decode_points(points)
        return appended

    def series(self, task_id: str) -> bytes:
        """The task's metric series as ``{"series": {name: [[step, value], ...]}}`` JSON."""
        return metrics.read_series(self.redis, SeriesKeys.of(task_id))

    def latest_metrics(self, task_ids: list[str]) -> list[dict[str, float]]:
        """Each task's metrics as of their latest points (name -> value)."""
        return metrics.latest_values(self.redis, task_ids)

    def sweep(self, task_id: str) -> tuple[str | None, dict[str, list[object]] | None]:
        """A sweep's job and parameter grid (None, None for any other task)."""
        job, grid = self.redis.hmget(keys.task(task_id), "job", "sweep")
        return (job.decode() if job else None), (orjson.loads(grid) if grid else None)

    def last_seq(self, task_id: str) -> int:
        """The highest seq stored contiguously from 1 (0 when nothing is stored)."""
        return int(self.redis.llen(keys.log(task_id)))

    def last_seqs(self, task_ids: list[str]) -> list[int]:
        """:meth:`last_seq` of each task, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for task_id in task_ids:
            pipe.llen(keys.log(task_id))
        return [int(n) for n in pipe.execute()]

    def known(self, task_ids: Iterable[str]) -> set[str]:
        """Those of these tasks the store has a task entry for (enqueued, not yet expired)."""
        ids = list(task_ids)
        pipe = self.redis.pipeline(transaction=False)
        for task_id in ids:
            pipe.exists(keys.task(task_id))
        return {task_id for task_id, n in zip(ids, pipe.execute(), strict=True) if n}

    def read(self, task_id: str, after_seq: int = 0, limit: int | None = None) -> list[bytes]:
        """Encoded records with seq > after_seq, in seq order, at most ``limit`` of them."""
        end = -1 if limit is None else after_seq + limit - 1
        return self.redis.lrange(keys.log(task_id), after_seq, end)

    def read_event(
        self, task_id: str, after_seq: int, limit: int, max_bytes: int
    ) -> tuple[list[bytes], bool]:
        """What one live event carries: the records after ``after_seq``, at most ``limit``, and
        as a JSON array at most ``max_bytes`` long (but always the first one, however big).
        Also whether more may follow at once (the limit or the bytes cut the read short)."""
        more, *records = self._read_event(
            keys=[keys.log(task_id)], args=[after_seq, limit, max_bytes]
        )
        return records, bool(more)

    def task(self, task_id: str) -> TaskInfo | None:
        """What is known about a task, or None if the store has never heard of it."""
        return self.tasks([task_id])[0]

    def tasks(self, task_ids: list[str]) -> list[TaskInfo | None]:
        """:meth:`task` of each id, a chain's or group's view summarising its steps, a retried
        task's its last attempt: two round trips however many tasks and steps. A parent whose
        steps have all expired (``JOBLOOK_LOG_TTL``) reads as None, as they do."""
        infos = self._read(task_ids)
        step_ids = [step for info in infos if info and info.kind for step in info.steps]
        last_ids = [info.attempts[-1] for info in infos if info and len(info.attempts) > 1]
        steps = dict(zip(step_ids + last_ids, self._read(step_ids + last_ids), strict=True))
        views: list[TaskInfo | None] = []
        for info in infos:
            if info is not None and len(info.attempts) > 1:
                last = steps[info.attempts[-1]]
                views.append(info if last is None else info.with_last_attempt(last))
                continue
            if info is None or info.kind is None:
                views.append(info)
                continue
            known = [view for step in info.steps if (view := steps[step]) is not None]
            views.append(None if info.steps and not known else info.summarised(known))
        return views

    def own(self, task_id: str) -> TaskInfo | None:
        """The task's own fields: a chain's or a retried task's, not summarised."""
        return self._read([task_id])[0]

    def own_tasks(self, task_ids: list[str]) -> list[TaskInfo | None]:
        """:meth:`own` of each id, in one round trip."""
        return self._read(task_ids)

    def _read(self, task_ids: list[str]) -> list[TaskInfo | None]:
        """Each task's own fields and record count, in one round trip."""
        if not task_ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for task_id in task_ids:
            pipe.hgetall(keys.task(task_id))
            pipe.llen(keys.log(task_id))
        replies = iter(pipe.execute())
        infos: list[TaskInfo | None] = []
        for task_id, raw, count in zip(task_ids, replies, replies, strict=False):
            fields = {k.decode(): v.decode() for k, v in raw.items()}
            found = raw or count
            infos.append(TaskInfo.from_fields(task_id, fields, int(count)) if found else None)
        return infos

    def list_tasks(
        self,
        limit: int,
        before: float | None = None,
        state: str | None = None,
        keep: Callable[[TaskInfo], bool] | None = None,
    ) -> list[TaskInfo]:
        """Tasks newest first, created strictly before ``before`` (epoch seconds) when given,
        only those in ``state`` and those ``keep`` keeps when given (looking at no more than
        LIST_SCAN_LIMIT tasks).

        Tasks that expired (``JOBLOOK_LOG_TTL``) leave the index here, with what is left of them
        (a chain's or group's own fields outlive its steps)."""
        newest = f"({before}" if before is not None else "+inf"
        found: list[TaskInfo] = []
        offset = 0
        while offset < LIST_SCAN_LIMIT:
            task_ids = self.redis.zrevrangebyscore(
                keys.TASKS, newest, "-inf", start=offset, num=LIST_PAGE
            )
            infos = self.tasks([raw.decode() for raw in task_ids])
            gone = [raw for raw, info in zip(task_ids, infos, strict=True) if info is None]
            if gone:
                self.redis.zrem(keys.TASKS, *gone)
                self.redis.delete(*(keys.task(raw.decode()) for raw in gone))
            found += [
                i
                for i in infos
                if i is not None and state in (None, i.state) and (keep is None or keep(i))
            ]
            if len(found) >= limit or len(task_ids) < LIST_PAGE:
                break
            offset += len(task_ids) - len(gone)  # the next page moved up by what was removed
        return found[:limit]

    def running_tasks(self) -> list[str]:
        """Ids of the tasks whose log says STARTED and not yet how they ended."""
        return sorted(raw.decode() for raw in self.redis.smembers(keys.RUNNING))

    def heartbeats(self, task_ids: list[str]) -> list[bool]:
        """For each task, whether its heartbeat key exists (a worker runs it, or it just ended)."""
        pipe = self.redis.pipeline(transaction=False)
        for task_id in task_ids:
            pipe.exists(keys.alive(task_id))
        return [bool(found) for found in pipe.execute()]

    def mark_lost(self, task_id: str, message: str) -> bool:
        """Fail a STARTED task that has no heartbeat; False if it ended or beats again meanwhile."""
        series = SeriesKeys.of(task_id)
        lost_keys = [keys.task(task_id), keys.RUNNING, keys.alive(task_id), keys.log(task_id)]
        lost_keys += [keys.pending(task_id), series.parked, series.index, series.state, keys.ENDED]
        lost_keys += self.lines.keys_of(task_id)
        args = [task_id, message, record.timestamp(), self._keep_for, series.lists]
        args += [self._queue_ended]
        return bool(self._lost(keys=lost_keys, args=args))

    def ping(self) -> bool:
        return bool(self.redis.ping())


def created_fields(fields: dict[str, str], now: str) -> dict[str, str]:
    """A new task's hash: ``fields``, PENDING, created ``now``."""
    return {**fields, "state": State.PENDING.value, "exit_code": "", "created_at": now}


def decode_records(raw: list[bytes]) -> list[dict[str, object]]:
    """Stored records back to JSON objects, in one parse for the whole batch."""
    return orjson.loads(b"[" + b",".join(raw) + b"]")


def _script_args(r: Record) -> tuple[object, ...]:
    """The 7 values append.lua takes per record."""
    if isinstance(r, StatusRecord):
        exit_code = "" if r.exit_code is None else str(r.exit_code)
        return (r.seq, 0, r.state, exit_code, r.time, r.log, record.encode(r))
    return (r.seq, len(r.log.encode()), "", "", "", "", record.encode(r))
