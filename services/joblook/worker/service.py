"""``joblook worker`` and ``joblook flower``: Celery's own commands, run in-process."""

from __future__ import annotations

import logging

import click

from joblook import security
from joblook.settings import Settings
from joblook.worker.celery_app import celery_app

logger = logging.getLogger(__name__)

WORKER_ARGS = [
    "--loglevel=INFO",
    "-E",  # task events, for Flower
    *("-O", "fair"),  # hand a job to a free child, never queue it behind a long one
    "--pool=prefork",  # one process per running command, isolated from each other
]


def serve(args: list[str]) -> int:
    """Run the Celery worker until it stops; ``args`` go to Celery (e.g. ``--concurrency 4``)."""
    return _start(["worker", *WORKER_ARGS, *args])


def serve_flower(args: list[str]) -> int:
    """Run Flower on ``FLOWER_PORT`` at ``JOBLOOK_HOST``; ``args`` go to Flower."""
    settings = Settings.from_env()
    security.check_flower(settings, args)
    return _start(["flower", f"--port={settings.flower_port}", f"--address={settings.host}", *args])


def _start(argv: list[str]) -> int:
    logger.debug("celery %s", " ".join(argv))
    try:
        code = celery_app.start(argv)
    except click.ClickException as exc:  # a bad argument: say so like the celery command would
        exc.show()
        return exc.exit_code
    except click.Abort:
        return 130  # interrupted before it started, like a shell's SIGINT status
    return code or 0
