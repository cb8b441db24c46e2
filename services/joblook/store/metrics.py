"""Progress and metric series in the store: how findings (``joblook.progress``, found by the
caller) travel to ``append.lua``, how series are read back.

``append.lua`` applies a record's finding (``joblook.progress``) only when it appends the record,
in seq order: the task hash keeps the latest ``progress`` and ``eta_seconds``, and each metric has
a list of ``[step,value]`` JSON texts, at most MAX_POINTS of them spread evenly over the run (past
the bound every other point is dropped and only every 2nd, 4th... new one kept), plus its latest
point. A task has at most MAX_SERIES series; further names are ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson
import redis

from joblook import keys
from joblook.progress import Finding, Found

MAX_SERIES = 32
MAX_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class SeriesKeys:
    """One task's keys for findings and series (a series' list is ``lists`` + its number)."""

    parked: str
    index: str
    state: str
    lists: str

    @classmethod
    def of(cls, task_id: str) -> SeriesKeys:
        return cls(
            parked=keys.findings(task_id),
            index=keys.series(task_id),
            state=keys.series_state(task_id),
            lists=keys.points_prefix(task_id),
        )


def findings_args(found: list[Found]) -> list[object]:
    """append.lua's N, then N (seq, finding) pairs: one task's findings, in seq order."""
    args: list[object] = [len(found)]
    for seq, finding, time in found:
        args += [seq, finding_arg(finding, time)]
    return args


def finding_arg(finding: Finding, time: str) -> bytes:
    """A finding as append.lua reads it; metric values and the step stay JSON texts, so no
    number loses digits in Lua."""
    arg: dict[str, object] = {}
    if finding.progress is not None:
        arg["p"] = finding.progress
        if finding.eta_seconds is not None:
            arg["e"] = finding.eta_seconds
        epoch = _epoch(time)
        if epoch is not None:
            arg["t"] = epoch
    if finding.metrics:
        arg["m"] = [[name, orjson.dumps(value).decode()] for name, value in finding.metrics]
        if finding.step is not None:
            arg["s"] = orjson.dumps(finding.step).decode()
    return orjson.dumps(arg)


def read_series(client: redis.Redis, keys: SeriesKeys) -> bytes:
    """``{"series": {name: [[step, value], ...], ...}}`` as JSON, series in order of first
    appearance, each ending with its latest point."""
    names = sorted(client.hgetall(keys.index).items(), key=lambda item: int(item[1]))
    pipe = client.pipeline(transaction=False)
    for _name, number in names:
        pipe.lrange(keys.lists + number.decode(), 0, -1)
        pipe.hget(keys.state, number + b":last")
    replies = pipe.execute()
    parts = []
    for i, (name, _number) in enumerate(names):
        points, latest = replies[2 * i], replies[2 * i + 1]
        if latest is not None and (not points or points[-1] != latest):
            points.append(latest)  # thinned out of the list, but the newest point always shows
        parts.append(orjson.dumps(name.decode()) + b":[" + b",".join(points) + b"]")
    return b'{"series":{' + b",".join(parts) + b"}}"


def latest_values(client: redis.Redis, task_ids: list[str]) -> list[dict[str, float]]:
    """Each task's metrics as of its latest point (name -> value), in order of first appearance:
    one round trip for any number of tasks."""
    pipe = client.pipeline(transaction=False)
    for task_id in task_ids:
        of = SeriesKeys.of(task_id)
        pipe.hgetall(of.index)
        pipe.hgetall(of.state)
    replies = pipe.execute()
    latest: list[dict[str, float]] = []
    for i in range(len(task_ids)):
        index, state = replies[2 * i], replies[2 * i + 1]
        values: dict[str, float] = {}
        for name, number in sorted(index.items(), key=lambda item: int(item[1])):
            point = state.get(number + b":last")
            if point is not None:
                values[name.decode()] = orjson.loads(point)[1]
        latest.append(values)
    return latest


def decode_points(flat: list[bytes]) -> dict[str, list[bytes]]:
    """append.lua's flat ``name, point, name, point...`` reply, grouped by series."""
    grouped: dict[str, list[bytes]] = {}
    for i in range(0, len(flat), 2):
        grouped.setdefault(flat[i].decode(), []).append(flat[i + 1])
    return grouped


def _epoch(stamp: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return None
