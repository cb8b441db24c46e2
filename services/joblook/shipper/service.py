"""``joblook shipper``: joblook's stand-in for Fluentd, shipping per-task log files to /sync.

The work is done by ``loop.Shipper``; this module is the process around it: settings, logging,
one instance per data directory, and a graceful stop on SIGTERM or SIGINT.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from joblook import logs
from joblook.settings import Settings
from joblook.shipper.loop import Shipper

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _only_instance(lock_file: Path) -> Iterator[bool]:
    """Whether this is the only shipper of the data directory (two would resend each other's)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def serve(args: list[str]) -> int:
    """``joblook shipper``: run until SIGTERM or SIGINT, then save positions and exit 0."""
    if args:
        sys.stderr.write("usage: joblook shipper (settings come from the environment)\n")
        return 2
    settings = Settings.from_env()
    logs.setup("shipper", settings)
    with _only_instance(settings.positions_file.with_name("shipper.lock")) as alone:
        if not alone:
            log.error("another shipper is running on %s", settings.data_dir)
            return 1
        shipper = Shipper(settings)

        def on_signal(signum: int, frame: object) -> None:
            if shipper.stopping:  # a second signal: abandon the POST in flight too
                raise SystemExit(0)
            shipper.stop()  # finish the POST in flight (bounded by its timeout), then stop

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
        log.info(
            "shipping %s/*.jsonl to %s (%s), positions in %s",
            settings.logs_dir,
            settings.sync_url,
            "with a bearer token" if settings.sync_token else "no token",
            settings.positions_file,
        )
        shipper.run()
    log.info("stopped; positions saved")
    return 0
