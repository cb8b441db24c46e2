"""``joblook web`` as several server processes on one port (``JOBLOOK_WEB_PROCESSES``).

One eventlet process runs on one core, however many the machine has. With N above 1, the process
started as ``joblook web`` does not serve: it binds the port, starts N copies of itself that
inherit the listening socket (``LISTEN_FD_ENV`` names it), and looks after them. A new connection
goes to whichever child accepts it first. They share everything else through Redis, as web
replicas on several machines do (Socket.IO emits through the message queue, locks and claims in
the store). Prometheus counters go through ``prometheus_client``'s multiprocess files, in a
directory the parent makes and removes.

- A child that ends on its own is started again after ``RESTART_DELAY_SECONDS`` (connections
  meanwhile wait in the socket's backlog, which the parent holds), unless it ended within
  ``EARLY_EXIT_SECONDS`` of its start: that is a web that cannot start (a bad setting, Redis
  refusing), so the others are stopped and ``joblook web`` exits with its code.
- SIGTERM or SIGINT stops every child (SIGTERM, then SIGKILL after ``STOP_GRACE_SECONDS``), and
  ``joblook web`` exits 0. So does a child ended by SIGTERM or SIGINT: a supervisor that signals
  the whole process group (honcho, a shell's Ctrl-C) reaches the children too, maybe first.

No ``SO_REUSEPORT`` anywhere: a second ``joblook web`` on a port in use fails with "address in
use" rather than silently taking part of the first one's connections.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from types import FrameType

from joblook import logs, security
from joblook.settings import WEB_PROCESS_ENV, Settings

log = logging.getLogger(__name__)

# prometheus_client's multiprocess mode reads this when it is imported.
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The listening socket's file descriptor, in a child.
LISTEN_FD_ENV = "JOBLOOK_WEB_LISTEN_FD"
# Connections waiting to be accepted (eventlet's default is 50; a thousand viewers connect at once).
BACKLOG = 1024
RESTART_DELAY_SECONDS = 1.0
EARLY_EXIT_SECONDS = 5.0
STOP_GRACE_SECONDS = 10.0
POLL_SECONDS = 0.2
# A child's exit code after SIGTERM or SIGINT.
STOPPED_BY = (-signal.SIGTERM, -signal.SIGINT)


def parse_args(args: list[str]) -> argparse.Namespace:
    """``joblook web`` takes no arguments (settings come from the environment) but ``--help``."""
    parser = argparse.ArgumentParser(
        prog="joblook web",
        description="joblook's HTTP API, pages and Socket.IO; JOBLOOK_WEB_PROCESSES of them on "
        "JOBLOOK_PORT",
    )
    return parser.parse_args(args)


class PortInUse(Exception):
    """The web cannot listen on its address (another listener has it, or it is not local)."""


def bind(host: str, port: int) -> int:
    """A listening socket on ``host:port`` (``SO_REUSEADDR``: a port in TIME_WAIT is free), as
    a file descriptor the web serves on or hands to its children."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.create_server((host, port), family=family, backlog=BACKLOG)
    except OSError as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listener.detach()


def listening_fd(settings: Settings) -> int | None:
    """The socket to serve on: the one a child inherited from ``joblook web``, else a new one on
    ``JOBLOOK_HOST:JOBLOOK_PORT``; None (the reason logged) when the address cannot be had."""
    inherited = os.environ.get(LISTEN_FD_ENV)
    if inherited:
        return int(inherited)
    try:
        return bind(settings.host, settings.port)
    except PortInUse as exc:
        log.error("%s", exc)
        return None


@dataclass
class Child:
    number: int
    proc: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)


class Supervisor:
    """Starts, restarts and stops the serving children (see the module's docstring)."""

    def __init__(self, count: int, argv: list[str], env: dict[str, str], fd: int) -> None:
        self.count = count
        self.fd = fd
        self.argv = argv
        self.env = env
        self.children: dict[int, Child] = {}
        self.stopping = False

    def start(self, number: int) -> None:
        env = {**self.env, WEB_PROCESS_ENV: str(number), LISTEN_FD_ENV: str(self.fd)}
        proc = subprocess.Popen(self.argv, env=env, pass_fds=(self.fd,))
        self.children[number] = Child(number, proc)

    def run(self) -> int:
        """Until told to stop (0) or until a child cannot start (its exit code)."""
        for number in range(1, self.count + 1):
            self.start(number)
        try:
            while not self.stopping:
                time.sleep(POLL_SECONDS)
                code = self._check_children()
                if code is not None:
                    return code
            return 0
        finally:
            self.stop_all()

    def _check_children(self) -> int | None:
        for child in list(self.children.values()):
            code = child.proc.poll()
            if code is None or self.stopping:
                continue
            if code in STOPPED_BY:
                # Signalled with the whole process group (honcho, a shell's Ctrl-C), which this
                # process may hear a moment later: the web is being stopped, not crashing.
                log.info(
                    "web process %d was stopped (signal %d); stopping the web", child.number, -code
                )
                self.stopping = True
                return None
            lived = time.monotonic() - child.started
            if lived < EARLY_EXIT_SECONDS:
                log.error(
                    "web process %d ended with code %d %.1f s after it started; stopping the web",
                    child.number,
                    code,
                    lived,
                )
                return code or 1
            log.warning(
                "web process %d (pid %d) ended with code %d; starting it again",
                child.number,
                child.proc.pid,
                code,
            )
            time.sleep(RESTART_DELAY_SECONDS)
            self.start(child.number)
        return None

    def stop_all(self) -> None:
        running = [c.proc for c in self.children.values() if c.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in running:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True


def serve(args: list[str], settings: Settings) -> int:
    """Run ``settings.web_processes`` serving children of ``joblook web`` until stopped."""
    parse_args(args)
    security.check_web(settings)  # before any child starts, so a refusal is reported once
    logs.setup("web", settings)
    fd = listening_fd(settings)
    if fd is None:
        return 1
    metrics_dir = tempfile.mkdtemp(prefix="joblook-web-metrics-")
    argv = [sys.executable, "-m", "joblook.cli", "web"]
    supervisor = Supervisor(
        settings.web_processes, argv, {**os.environ, METRICS_DIR_ENV: metrics_dir}, fd
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, supervisor.on_signal)
    log.info(
        "joblook web: %d processes on http://%s:%d",
        settings.web_processes,
        settings.host,
        settings.port,
    )
    try:
        return supervisor.run()
    finally:
        os.close(fd)
        shutil.rmtree(metrics_dir, ignore_errors=True)
