"""Settings, read once from the environment. Every variable is documented in ``.env.example``."""

from __future__ import annotations

import math
import os
import re
import socket
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KILL_GRACE = 10.0
# Per task; past it the worker keeps the head and the tail of the output and marks what it left out.
DEFAULT_MAX_LOG_BYTES = 256 * 1024 * 1024
# Most bytes of records one live "log" event carries (the feed reads the store no further ahead).
DEFAULT_FEED_EVENT_BYTES = 1024 * 1024
# A task's file is deleted this long after the store holds its last record.
DEFAULT_FILE_RETENTION = 60.0
# A running task whose heartbeat has been missing this long has lost its worker.
DEFAULT_WORKER_LOST_SECONDS = 60.0
# Redis re-delivers a message not acknowledged after this long; far above any queue wait.
DEFAULT_VISIBILITY_TIMEOUT = 12 * 60 * 60.0
# Fluentd's forward input (in_forward) listens here unless told otherwise.
DEFAULT_FLUENTD_PORT = 24224
# Distinct tasks one /sync batch may hold: what bounds the work (and memory) of one request. The
# shipper and Fluentd send far fewer (shipper/loop.py, fluentd/fluent.conf).
DEFAULT_SYNC_MAX_TASKS = 10_000
# A running task silent for this long gets a "no output for ..." hint on its page.
DEFAULT_STALL_SECONDS = 600.0
# The repository's web/ (pages, scripts, node_modules) when running from a checkout.
DEFAULT_WEB_DIR = Path(__file__).resolve().parents[2] / "web"
# The repository's Fluentd configuration, the one compose mounts (not part of the Python package).
DEFAULT_FLUENTD_CONF = Path(__file__).resolve().parents[2] / "fluentd" / "fluent.conf"
# What ships task logs to /sync under ``joblook up``: joblook's own shipper, or Fluentd.
SHIPPERS = ("joblook", "fluentd")


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable."""


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
    # What ``joblook up`` runs to ship task logs to /sync: "joblook" (the shipper) or "fluentd".
    shipper: str
    # The fluentd command (a path or a name on PATH); None: ``fluentd`` on PATH.
    fluentd: str | None
    # The fluent.conf ``joblook up --shipper fluentd`` runs.
    fluentd_conf: Path

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
        env = os.environ if environ is None else environ
        port = _int(env, "JOBLOOK_PORT", 8888)
        auth = (env.get("JOBLOOK_AUTH") or "token").lower()
        if auth not in ("token", "none"):
            raise SettingsError(f"JOBLOOK_AUTH must be 'token' or 'none', got {auth!r}")
        origins = [o.strip() for o in (env.get("JOBLOOK_CORS_ORIGINS") or "").split(",")]
        hosts = [h.strip() for h in (env.get("JOBLOOK_ALLOWED_HOSTS") or "").split(",")]
        kill_grace = _seconds(env, "JOBLOOK_KILL_GRACE", allow_zero=True)
        shipper = (env.get("JOBLOOK_SHIPPER") or "joblook").lower()
        if shipper not in SHIPPERS:
            raise SettingsError(
                f"JOBLOOK_SHIPPER must be one of {', '.join(SHIPPERS)}, got {shipper!r}"
            )
        return cls(
            redis_url=env.get("REDIS_URL") or DEFAULT_REDIS_URL,
            redis_url_given=bool(env.get("REDIS_URL")),
            redis_port=_int(env, "JOBLOOK_REDIS_PORT", 6379),
            host=env.get("JOBLOOK_HOST") or "127.0.0.1",
            port=port,
            flower_port=_int(env, "FLOWER_PORT", 5555),
            data_dir=Path(env.get("JOBLOOK_DATA_DIR") or "./var").absolute(),
            sync_url=env.get("JOBLOOK_SYNC_URL") or f"http://127.0.0.1:{port}/sync",
            auth=auth,
            token=None if auth == "none" else env.get("JOBLOOK_TOKEN") or None,
            sync_token=None if auth == "none" else env.get("JOBLOOK_SYNC_TOKEN") or None,
            cors_origins=[o for o in origins if o] or None,
            allowed_hosts=[h for h in hosts if h],
            flower_basic_auth=env.get("FLOWER_BASIC_AUTH") or None,
            allowed_commands=_pattern(env, "JOBLOOK_ALLOWED_COMMANDS"),
            jobs_file=_optional_path(env, "JOBLOOK_JOBS_FILE"),
            allow_raw=(env.get("JOBLOOK_ALLOW_RAW") or "0").lower() in ("1", "true", "yes"),
            web_dir=Path(env.get("JOBLOOK_WEB_DIR") or DEFAULT_WEB_DIR),
            max_body_bytes=_int(env, "JOBLOOK_MAX_BODY_BYTES", 1024 * 1024),
            sync_max_tasks=_count(env, "JOBLOOK_SYNC_MAX_TASKS", DEFAULT_SYNC_MAX_TASKS),
            log_level=(env.get("JOBLOOK_LOG_LEVEL") or "INFO").upper(),
            flower_url=env.get("JOBLOOK_FLOWER_URL") or None,
            kill_grace=DEFAULT_KILL_GRACE if kill_grace is None else kill_grace,
            default_timeout=_seconds(env, "JOBLOOK_DEFAULT_TIMEOUT"),
            max_log_bytes=_byte_cap(env, "JOBLOOK_MAX_LOG_BYTES", DEFAULT_MAX_LOG_BYTES),
            feed_event_bytes=_byte_cap(env, "JOBLOOK_FEED_EVENT_BYTES", DEFAULT_FEED_EVENT_BYTES),
            visibility_timeout=_seconds(env, "JOBLOOK_VISIBILITY_TIMEOUT")
            or DEFAULT_VISIBILITY_TIMEOUT,
            log_ttl=_seconds(env, "JOBLOOK_LOG_TTL"),
            worker_lost_after=_seconds(env, "JOBLOOK_WORKER_LOST_SECONDS")
            or DEFAULT_WORKER_LOST_SECONDS,
            file_retention=_seconds(env, "JOBLOOK_FILE_RETENTION") or DEFAULT_FILE_RETENTION,
            fluentd_host=env.get("FLUENTD_HOST") or None,
            fluentd_port=_int(env, "FLUENTD_PORT", DEFAULT_FLUENTD_PORT),
            stall_seconds=_seconds(env, "JOBLOOK_STALL_SECONDS") or DEFAULT_STALL_SECONDS,
            webhook_url=_http_url(env, "JOBLOOK_WEBHOOK_URL"),
            public_url=(
                _http_url(env, "JOBLOOK_PUBLIC_URL") or _default_public_url(env, port)
            ).rstrip("/"),
            shipper=shipper,
            fluentd=env.get("JOBLOOK_FLUENTD") or None,
            fluentd_conf=Path(env.get("JOBLOOK_FLUENTD_CONF") or DEFAULT_FLUENTD_CONF),
        )


def _http_url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    if not raw:
        return None
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http:// or https:// address, got {raw!r}")
    return raw


def _default_public_url(env: Mapping[str, str], port: int) -> str:
    host = env.get("JOBLOOK_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # every interface: the machine's name reaches one of them
        host = socket.getfqdn()
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw) if raw else None


def _pattern(env: Mapping[str, str], name: str) -> re.Pattern[str] | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        return re.compile(raw)
    except re.error as exc:
        raise SettingsError(f"{name} is not a valid regular expression: {exc}") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number above zero; unset means ``default``."""
    value = _int(env, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be a whole number above zero, got {value}")
    return value


def _byte_cap(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of bytes above zero; unset or 0 means ``default``."""
    raw = env.get(name)
    try:
        value = int(raw) if raw else 0
    except ValueError:
        value = -1
    if value < 0:
        raise SettingsError(f"{name} must be a whole number of bytes (0: the default), got {raw!r}")
    return value or default


def _seconds(env: Mapping[str, str], name: str, *, allow_zero: bool = False) -> float | None:
    """None when unset, else finite seconds above zero (or zero too, with ``allow_zero``)."""
    raw = env.get(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise SettingsError(f"{name} must be a number of seconds, {least}, got {raw!r}")
    return value
