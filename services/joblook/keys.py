"""Every Redis key and channel name joblook uses, built here and nowhere else (like rq's keys.py).

The names are the wire contract between processes (web, worker, guardian, an older or newer
replica), so they never change: all start with ``joblook:``. The Lua scripts receive them as
KEYS; the series lists, one per metric, are the one family a script builds itself, from
:func:`points_prefix` plus the series' number.
"""

from __future__ import annotations

PREFIX = "joblook"

# Store-wide.
TASKS = f"{PREFIX}:tasks"
"""Sorted set of every task id, scored by creation time (epoch seconds)."""
RUNNING = f"{PREFIX}:running"
"""Set of the ids of tasks whose log says STARTED and not yet how they ended."""
APPENDED = f"{PREFIX}:appended"
"""Channel: ``<task_id> <last_seq>`` after each append that stored records."""
ENDED = f"{PREFIX}:ended"
"""List of ended task ids waiting for the webhook."""
ENDED_CLAIMS = f"{ENDED}:claims"
"""Sorted set: ended ids a webhook sender is delivering, scored by when it claimed them."""
ENDED_RETRIES = f"{ENDED}:retries"
"""Sorted set: ended ids whose delivery failed, scored by when the next try is due."""
ENDED_FAILURES = f"{ENDED}:failures"
"""Hash: ended id -> failed deliveries so far."""
CANCEL = f"{PREFIX}:cancel"
"""Channel: the id of each task someone asked to cancel."""
RETRY_WATCH = f"{PREFIX}:retry:watch"
"""Set of the unfinished attempts whose failure starts another one (``store/attempts.py``)."""
RETRY_DUE = f"{PREFIX}:retry:due"
"""Sorted set: scheduled attempts not yet sent to the queue, scored by when they are due."""
SECRETS = f"{PREFIX}:secrets"
"""Hash: secret name -> its value encrypted and when it was set, as JSON (``store/secrets.py``)."""
OUTPUT_FILTERS = f"{PREFIX}:outputfilters"
"""Sorted set: the texts home pages filter task outputs by, scored by when each lapses."""


# Per task.
def log(task_id: str) -> str:
    """List of the task's encoded records; index = seq - 1."""
    return f"{PREFIX}:log:{task_id}"


def pending(task_id: str) -> str:
    """Sorted set of records that arrived ahead of a gap, scored by seq."""
    return f"{PREFIX}:pending:{task_id}"


def task(task_id: str) -> str:
    """Hash of what is known about the task (command, state, times, progress...)."""
    return f"{PREFIX}:task:{task_id}"


def findings(task_id: str) -> str:
    """Hash: seq -> the progress/metrics finding of a record parked ahead of a gap."""
    return f"{PREFIX}:findings:{task_id}"


def series(task_id: str) -> str:
    """Hash: metric name -> its series' number (1, 2... in order of first appearance)."""
    return f"{PREFIX}:series:{task_id}"


def series_state(task_id: str) -> str:
    """Hash of each series' point count, stride and latest point, and the last step."""
    return f"{PREFIX}:seriesstate:{task_id}"


def points_prefix(task_id: str) -> str:
    """A metric series' list of ``[step,value]`` points is this plus the series' number."""
    return f"{PREFIX}:points:{task_id}:"


def cancel(task_id: str) -> str:
    """Hash of the task's cancel request: ``by`` and ``at``."""
    return f"{CANCEL}:{task_id}"


def claim(task_id: str) -> str:
    """Who took the task from the queue first (``SET NX``): host:pid."""
    return f"{PREFIX}:claim:{task_id}"


def alive(task_id: str) -> str:
    """The task's heartbeat: a worker's host:pid while it runs, "ended" once it ended."""
    return f"{PREFIX}:alive:{task_id}"


# Per task: the LINES index (store/lines), derived from the log and caught up from it.
def lines_meta(task_id: str) -> str:
    """Hash: ``cursor`` (the last seq turned into lines) and ``state`` (JSON: line count,
    partial lines, open sections)."""
    return f"{PREFIX}:lines:{task_id}:meta"


def lines_text(task_id: str) -> str:
    """String: each completed line as ``<epoch time>\\t<o|e>\\t<text with escapes>\\n``."""
    return f"{PREFIX}:lines:{task_id}:text"


def lines_plain(task_id: str) -> str:
    """String: each completed line's text without escapes, ``\\n``-terminated (what is searched)."""
    return f"{PREFIX}:lines:{task_id}:plain"


def lines_marks(task_id: str) -> str:
    """String of 16-byte checkpoints: for every K-th line, where it starts in the text and the
    plain string (two big-endian 8-byte offsets)."""
    return f"{PREFIX}:lines:{task_id}:marks"


def lines_sections(task_id: str) -> str:
    """Hash: section number -> the section as JSON."""
    return f"{PREFIX}:lines:{task_id}:sections"


def reported(task_id: str) -> str:
    """Set once a chain's or group's own end was queued for the webhook."""
    return f"{ENDED}:reported:{task_id}"


# Schedules (joblook.schedules).
SCHEDULES = f"{PREFIX}:schedules"
"""Hash: schedule id -> the schedule as JSON (``Schedule.encode``)."""
SCHEDULERS = f"{PREFIX}:schedulers"
"""Sorted set: each scheduler process (host:pid), scored by its latest heartbeat (epoch s)."""


def schedule_runs(schedule_id: str) -> str:
    """List of the schedule's latest runs as JSON, newest first."""
    return f"{PREFIX}:schedule:{schedule_id}:runs"


def schedule_fire(schedule_id: str, due: float) -> str:
    """A due time's claim (``SET NX``): the one scheduler that fires it set it, with the task id."""
    return f"{PREFIX}:schedule:{schedule_id}:due:{due:.3f}"


# Queues, concurrency limits and GPUs (store/slots.py).
PARKED = f"{PREFIX}:parked"
"""Hash: id of a task waiting for a slot -> what re-sends it (JSON: args, kwargs, queue, chain)."""
WOKEN = f"{PARKED}:woken"
"""Sorted set: parked task ids re-sent to their queue, scored by when."""
SCOPES = f"{PREFIX}:scopes"
"""Hash: every limit scope that has had waiters (``queue:gpu``, ``job:train``) -> its limit."""
WORKERS = f"{PREFIX}:workers"
"""Sorted set of worker names, scored by when their advertisement expires."""


def slot_holders(scope: str) -> str:
    """Sorted set: the tasks holding one of the scope's slots, scored by when their lease ends."""
    return f"{PREFIX}:slots:{scope}"


def slot_waiting(scope: str) -> str:
    """Sorted set: the tasks parked for one of the scope's slots, scored by their place in line
    (``slot_line``; a GPU scope's by creation time)."""
    return f"{PREFIX}:waiting:{scope}"


def slot_line(scope: str) -> str:
    """Sorted set: the scope's tasks not yet holding a slot, scored by their place in line (a
    ticket from ``SLOT_TICKET``, given at enqueue; or its creation time, for a task that reaches a
    worker without one), in microseconds since the epoch."""
    return f"{PREFIX}:line:{scope}"


SLOT_TICKET = f"{PREFIX}:line-ticket"
"""The last place in line given (microseconds since the epoch, or one more than the last)."""


def gpu_pool(worker: str) -> str:
    """Hash: a worker's GPU id -> ``<task_id> <lease end>`` of the task holding it."""
    return f"{PREFIX}:gpupool:{worker}"


def held_gpus(task_id: str) -> str:
    """The GPU ids a task was given, comma-separated, with the worker's name after a space."""
    return f"{PREFIX}:gpus:{task_id}"


def worker(name: str) -> str:
    """A worker's advertisement (JSON: queues, gpus), expiring unless the worker refreshes it."""
    return f"{PREFIX}:worker:{name}"


# Accounts (store/users.py) and the audit trail (store/audit.py).
USERS = f"{PREFIX}:users"
"""Hash: user name -> the user as JSON (role, token digest, when added)."""
USER_TOKENS = f"{USERS}:tokens"
"""Hash: a token's digest -> the name of the user it belongs to."""
SSO_ROLE = f"{USERS}:sso-role"
"""The role the admin gave users the single-sign-on proxy names (over JOBLOOK_SSO_DEFAULT_ROLE)."""
AUDIT = f"{PREFIX}:audit"
"""Sorted set: each audit entry as JSON, scored by when it happened (epoch seconds)."""
