"""Fluentd in the shipper's place outside containers: the command and the environment that point
the one ``fluentd/fluent.conf`` at local paths, ports and the sync token.

fluent.conf reads every local value with embedded Ruby, ``"#{ENV['NAME'] || 'container default'}"``.
Compose sets none of these variables, so containers get the defaults; this module sets them all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from joblook.settings import Settings, SettingsError

# Fluentd's forward input stays on loopback outside containers: it accepts events from anyone.
LOCAL_BIND = "127.0.0.1"


def binary(settings: Settings) -> str:
    """The fluentd to run: JOBLOOK_FLUENTD (a path or a name on PATH), else ``fluentd`` on PATH."""
    wanted = settings.fluentd or "fluentd"
    found = shutil.which(wanted)
    if found is None:
        raise SettingsError(
            f"no fluentd found ({wanted!r}): install Fluentd >= 1.17 or set JOBLOOK_FLUENTD "
            "to its command (in a checkout beside ../shared: ../shared/fluentd/bin/fluentd)"
        )
    return found


def command(settings: Settings) -> list[str]:
    """``fluentd -c fluent.conf``, with the configuration checked to exist."""
    conf = settings.fluentd_conf
    if not conf.is_file():
        raise SettingsError(f"no Fluentd configuration at {conf}: set JOBLOOK_FLUENTD_CONF")
    return [binary(settings), "-c", str(conf)]


def environment(settings: Settings, forward_port: int, monitor_port: int) -> dict[str, str]:
    """The variables fluent.conf reads, for this machine: every one it reads with a default."""
    state: Path = settings.fluentd_state_dir
    state.mkdir(parents=True, exist_ok=True)
    return {
        "FLUENTD_TASK_LOGS": str(settings.logs_dir),
        "FLUENTD_STATE_DIR": str(state),
        "JOBLOOK_SYNC_URL": settings.sync_url,
        # fluent.conf requires it (ENV.fetch); with JOBLOOK_AUTH=none /sync checks no token.
        "JOBLOOK_SYNC_TOKEN": settings.sync_token or "",
        "FLUENTD_BIND": LOCAL_BIND,
        "FLUENTD_PORT": str(forward_port),
        "FLUENTD_MONITOR_PORT": str(monitor_port),
    }
