"""``joblook worker`` and ``joblook flower``: Celery's own commands, run in-process."""

from __future__ import annotations

import atexit
import logging
import os
import sys
from typing import Any

import click
from celery import signals

from joblook import fluentlog, logs, security
from joblook.settings import Settings
from joblook.worker import metrics as worker_metrics
from joblook.worker.app import worker_celery
from joblook.worker.gpus import GpuError, split_gpus, with_concurrency

logger = logging.getLogger(__name__)

WORKER_ARGS = [
    "--loglevel=INFO",
    "-E",  # task events, for Flower
    *("-O", "fair"),  # hand a job to a free child, never queue it behind a long one
    "--pool=prefork",  # one process per running command, isolated from each other
]


def serve(args: list[str]) -> int:
    """Run the Celery worker until it stops; ``args`` go to Celery (e.g. ``--concurrency 4``,
    ``--queues gpu``) except joblook's own ``--gpus 0,1`` (``gpus.py``)."""
    settings = Settings.from_env()
    try:
        gpus, args = split_gpus(args)
    except GpuError as exc:
        logger.error("%s", exc)
        sys.stderr.write(f"joblook worker: {exc}\n")
        return 2
    if gpus:
        args = with_concurrency(args, gpus)
    _celery_logs_to_fluentd(settings)
    if settings.worker_metrics_port is not None:
        _serve_metrics(settings, settings.worker_metrics_port)
    return _start(settings, ["worker", *WORKER_ARGS, *args], gpus)


def _serve_metrics(settings: Settings, port: int) -> None:
    """Count in every pool process from now on; serve the sums once the pool has forked (so no
    child holds the listening socket)."""
    directory = worker_metrics.prepare()
    atexit.register(worker_metrics.cleanup, directory)

    def ready(**_: Any) -> None:
        worker_metrics.serve(settings.host, port, settings.metrics_token)

    def child_gone(pid: int | None = None, **_: Any) -> None:
        worker_metrics.process_gone(pid or os.getpid())

    signals.worker_ready.connect(ready, weak=False)
    signals.worker_process_shutdown.connect(child_gone, weak=False)


def serve_flower(args: list[str]) -> int:
    """Run Flower on ``FLOWER_PORT`` at ``JOBLOOK_HOST``; ``args`` go to Flower."""
    settings = Settings.from_env()
    security.check_flower(settings, args)
    # Before Flower starts: tornado adds its own stderr handler only to a root logger without one.
    logs.setup("flower", settings)
    return _start(
        settings, ["flower", f"--port={settings.flower_port}", f"--address={settings.host}", *args]
    )


def _celery_logs_to_fluentd(settings: Settings) -> None:
    """With FLUENTD_HOST: once Celery has set up its loggers (root, and ``celery.task``, which does
    not propagate), swap their stderr handlers for one Fluentd handler. Without it, Celery's own
    stderr logging stays as it is. The pool's children inherit the handler (see fluentlog)."""
    if settings.fluentd_host is None:
        return
    fluentd = fluentlog.handler("worker", settings.fluentd_host, settings.fluentd_port)

    def to_fluentd(logger: logging.Logger, **_: Any) -> None:
        logger.handlers = [fluentd]

    # weak=False: the receiver is a closure that nothing else keeps alive.
    signals.after_setup_logger.connect(to_fluentd, weak=False)
    signals.after_setup_task_logger.connect(to_fluentd, weak=False)


def _start(settings: Settings, argv: list[str], gpus: list[str] | None = None) -> int:
    logger.debug("celery %s", " ".join(argv))
    try:
        code = worker_celery(settings, gpus).start(argv)
    except click.ClickException as exc:  # a bad argument: say so like the celery command would
        exc.show()
        return exc.exit_code
    except click.Abort:
        return 130  # interrupted before it started, like a shell's SIGINT status
    return code or 0
