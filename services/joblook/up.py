"""``joblook up``: the whole stack on one machine, supervised by honcho.

Starts Redis (unless REDIS_URL is given), web, worker, shipper and Flower, each with the same
command the containers run. Ctrl-C or SIGTERM stops them all; because this process is a child
subreaper, anything they leave behind (a command's process group outliving a killed worker) is
re-parented here and killed too, so nothing survives ``joblook up``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import shlex
import sys
from pathlib import Path

import psutil
from honcho.manager import Manager

from joblook import localredis, logs, security
from joblook.settings import Settings

log = logging.getLogger(__name__)

SERVICES = ("web", "worker", "shipper", "flower")
PR_SET_CHILD_SUBREAPER = 36
LEFTOVER_GRACE_SECONDS = 3.0


def serve(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="joblook up", description="Start Redis, web, worker, shipper and Flower together."
    )
    parser.parse_args(args)
    env = dict(os.environ)
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
