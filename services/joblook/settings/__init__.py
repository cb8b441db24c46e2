"""Settings, read once from the environment. Each is declared once, in ``declared.py``: the docs'
settings table and ``.env.example`` are written from those declarations
(``python -m joblook.settings``).
"""

from __future__ import annotations

import ipaddress
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
    SHIPPERS,
)
from joblook.settings.parsers import SettingsError

# Set by `joblook web` in each of the web processes it starts (JOBLOOK_WEB_PROCESSES above 1) to
# the process's number: that process serves, on a port it shares on purpose.
WEB_PROCESS_ENV = "JOBLOOK_WEB_PROCESS"

__all__ = [
    "DEFAULT_FEED_EVENT_BYTES",
    "DEFAULT_FLUENTD_PORT",
    "DEFAULT_KILL_GRACE",
    "DEFAULT_MAX_LOG_BYTES",
    "DEFAULT_SYNC_MAX_TASKS",
    "SHIPPERS",
    "WEB_PROCESS_ENV",
    "Settings",
    "SettingsError",
]


@dataclass(frozen=True)
class Settings:
    """Every setting's value. What a field means, its variable, default and checks: its
    declaration in ``declared.py`` (``Setting.attr`` names the field)."""

    redis_url: str
    # False when REDIS_URL was not given: ``joblook up`` then starts a Redis of its own.
    redis_url_given: bool
    redis_port: int
    host: str
    port: int
    web_processes: int
    flower_port: int
    worker_metrics_port: int | None
    data_dir: Path
    sync_url: str
    auth: str
    token: str | None
    sync_token: str | None
    metrics_token: str | None
    cors_origins: list[str] | None
    allowed_hosts: list[str]
    flower_basic_auth: str | None
    trusted_user_header: str | None
    trusted_proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None
    sso_default_role: str
    allowed_commands: re.Pattern[str] | None
    jobs_file: Path | None
    allow_raw: bool
    secret_key: str | None
    queue_limits: dict[str, int] | None
    web_dir: Path
    max_body_bytes: int
    sync_max_tasks: int
    log_level: str
    flower_url: str | None
    kill_grace: float
    default_timeout: float | None
    max_log_bytes: int
    feed_event_bytes: int
    visibility_timeout: float
    log_ttl: float | None
    audit_ttl: float
    worker_lost_after: float
    file_retention: float
    fluentd_host: str | None
    fluentd_port: int
    stall_seconds: float
    webhook_url: str | None
    public_url: str
    shipper: str
    fluentd: str | None
    fluentd_conf: Path
    schedule_grace: float
    schedule_min_interval: float
    notify: list[str]
    artifacts_url: str
    max_artifact_bytes: int
    s3_endpoint_url: str | None
    s3_region: str | None
    s3_access_key_id: str | None
    s3_secret_access_key: str | None

    @property
    def logs_dir(self) -> Path:
        """Where workers write ``<task_id>.jsonl`` and the shipper/Fluentd reads them."""
        return self.data_dir / "logs"

    @property
    def positions_file(self) -> Path:
        """The shipper's read positions, so a restart resumes where it stopped."""
        return self.data_dir / "shipper" / "positions.json"

    @property
    def fluentd_state_dir(self) -> Path:
        """Fluentd's positions, file buffer and refused batches, when ``joblook up`` runs it."""
        return self.data_dir / "fluentd"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every declared setting read from ``environ`` (default: the process's environment)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.attr is not None:
                values[setting.attr] = setting.read(env, values)
        if values["auth"] == "none":  # no authentication: every token reads as unset
            values["token"] = values["sync_token"] = values["metrics_token"] = None
        return cls(**values, redis_url_given=bool(env.get("REDIS_URL")))
