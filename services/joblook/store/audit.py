"""The audit trail: who ran, cancelled or re-ran what, changed a schedule or a user, and every
token refused, newest first, each entry kept for ``JOBLOOK_AUDIT_TTL`` seconds.

One sorted set scored by time: writing an entry also drops the ones past their age, and a cap
bounds it when many arrive within the age (a flood of refused tokens).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import orjson
import redis

from joblook import keys
from joblook.record import timestamp

MAX_ENTRIES = 100_000

# What an entry's ``action`` can be.
RUN, RERUN, CANCEL = "run", "rerun", "cancel"
SCHEDULE_ADD, SCHEDULE_CHANGE = "schedule.add", "schedule.change"
SCHEDULE_REMOVE = "schedule.remove"
USER_ADD, USER_ROLE, USER_TOKEN, USER_REMOVE = "user.add", "user.role", "user.token", "user.remove"
SSO_ROLE = "user.sso-role"
TOKEN_REFUSED = "token.refused"  # noqa: S105 (an action's name, no secret)


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry ready to write: alone (:meth:`Audit.write`), or by the script call that creates
    the tasks it is about (``LogStore.create_tasks``), so a task and its "run" entry are written
    together, in one round trip."""

    raw: bytes
    at: float  # epoch seconds: its score
    expired_before: float  # entries older than this go as it is written

    def script_args(self) -> list[object]:
        """``create.lua``'s audit arguments: the entry, its score, the age and count bounds."""
        return [self.raw, self.at, self.expired_before, MAX_ENTRIES]


NO_ENTRY_ARGS: list[object] = ["", 0, 0, 0]


class Audit:
    def __init__(self, client: redis.Redis, ttl: float) -> None:
        self.redis = client
        self.ttl = ttl

    def add(self, action: str, actor: str | None, address: str | None, **about: object) -> None:
        """Note that ``actor`` (None: someone unknown) from ``address`` did ``action``;
        ``about``: what it was done to (task_id, schedule_id, user, role...)."""
        self.write(self.entry(action, actor, address, **about))

    def entry(self, action: str, actor: str | None, address: str | None, **about: object) -> Entry:
        """The entry :meth:`add` writes, to write later or with the tasks it is about."""
        now = time.time()
        entry = {"id": uuid.uuid4().hex, "at": timestamp(), "action": action, "actor": actor}
        entry |= {"address": address} | {k: v for k, v in about.items() if v is not None}
        return Entry(orjson.dumps(entry), now, now - self.ttl)

    def write(self, entry: Entry) -> None:
        """Add ``entry``, dropping those past their age or past the cap."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(keys.AUDIT, {entry.raw: entry.at})
            pipe.zremrangebyscore(keys.AUDIT, "-inf", entry.expired_before)
            pipe.zremrangebyrank(keys.AUDIT, 0, -MAX_ENTRIES - 1)
            pipe.execute()

    def entries(self, limit: int, before: float | None = None) -> list[dict[str, object]]:
        """The newest ``limit`` entries (those before ``before``, epoch seconds, when given)."""
        high = "+inf" if before is None else f"({before}"
        low = time.time() - self.ttl
        found = self.redis.zrevrangebyscore(
            keys.AUDIT, high, low, start=0, num=limit, withscores=True
        )
        return [orjson.loads(raw) | {"time": score} for raw, score in found]
