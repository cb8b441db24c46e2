"""``joblook up``: the whole stack on one machine, supervised by honcho.

Starts Redis (unless REDIS_URL is given), web, worker, shipper, scheduler and Flower, each with
the same command the containers run. With ``--shipper fluentd`` (or JOBLOOK_SHIPPER=fluentd),
Fluentd runs the repository's ``fluentd/fluent.conf`` in the shipper's place, as compose does.

Ctrl-C or SIGTERM stops them all; because this process is a child subreaper, anything they
leave behind (a command's process group outliving a killed worker) is re-parented here and killed
too, so nothing survives ``joblook up``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import shlex
import socket
import sys
from pathlib import Path

import psutil
from honcho.manager import Manager

from joblook import fluentd, localredis, logs, security
from joblook.settings import SHIPPERS, Settings

log = logging.getLogger(__name__)

SERVICES = ("web", "worker", "shipper", "scheduler", "flower")
PR_SET_CHILD_SUBREAPER = 36
LEFTOVER_GRACE_SECONDS = 3.0


def serve(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="joblook up",
        description="Start Redis, web, worker, shipper, scheduler and Flower together.",
    )
    parser.add_argument(
        "--shipper",
        choices=SHIPPERS,
        help="what ships task logs to /sync (default: JOBLOOK_SHIPPER, else joblook's shipper)",
    )
    options = parser.parse_args(args)
    env = dict(os.environ)
    if options.shipper:
        env["JOBLOOK_SHIPPER"] = options.shipper
    generated = security.fill_in_tokens(env)
    flower_login = security.fill_in_flower_login(env)
    settings = Settings.from_env(env)
    security.check_web(settings)
    logs.setup("up", settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    manager = Manager()
    if not settings.redis_url_given:
        password = localredis.new_password()
        env["REDIS_URL"] = localredis.url(settings, password)
        manager.add_process("redis", localredis.command(settings, password), env=env)
    for name in SERVICES:
        if name == "shipper" and settings.shipper == "fluentd":
            _add_fluentd(manager, settings, env)
        else:
            manager.add_process(name, shlex.join([*joblook_command(), name]), env=env)
    _become_subreaper()
    sys.stdout.write(_banner(settings, generated, flower_login))
    sys.stdout.flush()
    manager.loop()
    _kill_leftovers()
    return manager.returncode or 0


def joblook_command() -> list[str]:
    """How to run ``joblook`` from here: the installed script beside this Python, or the module."""
    script = Path(sys.executable).with_name("joblook")
    return [str(script)] if script.exists() else [sys.executable, "-m", "joblook.cli"]


def _add_fluentd(manager: Manager, settings: Settings, env: dict[str, str]) -> None:
    """Fluentd in the shipper's place. Its forward input takes FLUENTD_PORT when the services log
    to it (FLUENTD_HOST set), else any free port, so it never collides with another Fluentd."""
    forward_port = settings.fluentd_port if settings.fluentd_host else _free_port()
    monitor_port = _free_port()
    local = fluentd.environment(settings, forward_port, monitor_port)
    manager.add_process("fluentd", shlex.join(fluentd.command(settings)), env={**env, **local})
    log.info("Fluentd ships the task logs; its monitor_agent is on 127.0.0.1:%d", monitor_port)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans go to init as usual
        log.debug("could not become a child subreaper")


def _kill_leftovers() -> None:
    """Terminate, then kill, every process still descending from this one."""
    leftovers = psutil.Process().children(recursive=True)
    for proc in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _gone, alive = psutil.wait_procs(leftovers, timeout=LEFTOVER_GRACE_SECONDS)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=LEFTOVER_GRACE_SECONDS)


def _banner(settings: Settings, generated: bool, flower_login: str | None) -> str:
    """Where to go, with the token in the address once (the page swaps it for a cookie), and
    Flower's login when this run made one."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    query = f"?token={settings.token}" if settings.token else ""
    lines = [
        f"joblook is starting: open http://{host}:{settings.port}/{query}",
        f"  Flower: http://{host}:{settings.flower_port}/   data: {settings.data_dir}",
    ]
    if flower_login is not None:
        user, _, password = flower_login.partition(":")
        lines.append(f"  Flower login: {user} / {password}   (set FLOWER_BASIC_AUTH to choose one)")
    if generated:
        lines.append("  (a new token for this run; set JOBLOOK_TOKEN to keep one across runs)")
    return "\n".join(lines) + "\n"
