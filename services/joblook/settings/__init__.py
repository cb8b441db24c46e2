"""Settings, read once from the environment. Each is declared once, in ``declared.py``: the README's
table and ``.env.example`` are written from those declarations (``python -m joblook.settings``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joblook.settings.declared import (
    DEFAULT_FEED_EVENT_BYTES,
    DEFAULT_FLUENTD_PORT,
    DEFAULT_KILL_GRACE,
    DEFAULT_MAX_LOG_BYTES,
    DEFAULT_SYNC_MAX_TASKS,
    SETTINGS,
)
from joblook.settings.parsers import SettingsError

__all__ = [
    "DEFAULT_FEED_EVENT_BYTES",
    "DEFAULT_FLUENTD_PORT",
    "DEFAULT_KILL_GRACE",
    "DEFAULT_MAX_LOG_BYTES",
    "DEFAULT_SYNC_MAX_TASKS",
    "Settings",
    "SettingsError",
]


@dataclass(frozen=True)
class Settings:
    redis_url: str
    # False when REDIS_URL was not given: ``joblook up`` then starts a Redis of its own.
    redis_url_given: bool
    redis_port: int
    host: str
    port: int
    flower_port: int
    data_dir: Path
    sync_url: str
    # "token" (the default: JOBLOOK_TOKEN and JOBLOOK_SYNC_TOKEN are required) or "none" (no auth,
    # allowed on a loopback address only; both tokens then read as unset).
    auth: str
    token: str | None
    sync_token: str | None
    # Origins allowed to open Socket.IO connections besides the page's own; None: same origin only.
    cors_origins: list[str] | None
    # Host names the web answers to besides its own (web/hosts.py): proxies' and compose's names.
    allowed_hosts: list[str]
    # FLOWER_BASIC_AUTH ("user:password"), which Flower itself reads; required beyond loopback.
    flower_basic_auth: str | None
    # A regular expression every raw command (cmd, chain or group step) must match as a whole.
    allowed_commands: re.Pattern[str] | None
    # Named jobs (YAML); when set, raw commands are refused unless allow_raw.
    jobs_file: Path | None
    allow_raw: bool
    web_dir: Path
    max_body_bytes: int
    # Distinct tasks one /sync batch may hold; more is refused with 413.
    sync_max_tasks: int
    log_level: str
    # Where the pages link to Flower; by default the web's own host name on FLOWER_PORT.
    flower_url: str | None
    # Seconds a cancelled or timed-out command gets between SIGTERM and SIGKILL.
    kill_grace: float
    # Seconds a command may run when its task names no timeout; None: no limit.
    default_timeout: float | None
    # UTF-8 bytes of output (stdout and stderr together) a task's log keeps; see worker/logcap.py.
    max_log_bytes: int
    # Most bytes of records (as a JSON array) in one live ``log`` event; see web/feed.py.
    feed_event_bytes: int
    # Seconds before Redis re-delivers a message a worker took but did not acknowledge.
    visibility_timeout: float
    # Seconds a finished task's log is kept in Redis; None: for ever.
    log_ttl: float | None
    # Seconds without a heartbeat after which a running task is failed as "worker lost".
    worker_lost_after: float
    # Seconds a finished task's file stays on disk once the store holds all of it.
    file_retention: float
    # Where the services' own log records go (Fluentd's forward input); None: stderr.
    fluentd_host: str | None
    fluentd_port: int
    # Seconds without output after which a running task's page says it may be stalled.
    stall_seconds: float
    # Where to POST each ended task as JSON; None: no webhook.
    webhook_url: str | None
    # The address people open joblook at, for links sent elsewhere (the webhook's "url").
    public_url: str

    @property
    def logs_dir(self) -> Path:
        """Where workers write ``<task_id>.jsonl`` and the shipper/Fluentd reads them."""
        return self.data_dir / "logs"

    @property
    def positions_file(self) -> Path:
        """The shipper's read positions, so a restart resumes where it stopped."""
        return self.data_dir / "shipper" / "positions.json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every declared setting read from ``environ`` (default: the process's environment)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.attr is not None:
                values[setting.attr] = setting.read(env, values)
        if values["auth"] == "none":  # no authentication: both tokens read as unset
            values["token"] = values["sync_token"] = None
        return cls(**values, redis_url_given=bool(env.get("REDIS_URL")))
