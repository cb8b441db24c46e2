"""The launch flags every command-line launch takes (``joblook submit``, ``joblook schedule
add``): where and how the task runs, named as ``POST /enqueue``'s fields are, so the web checks
them (one set of rules: ``web/models.Launch``)."""

from __future__ import annotations

import argparse
from typing import Any


def add(parser: argparse.ArgumentParser) -> None:
    """``--queue``, ``--gpus``, ``--secret`` and ``--notify``."""
    parser.add_argument("--queue", metavar="NAME", help="the queue it goes to (default celery)")
    parser.add_argument("--gpus", type=int, metavar="N", help="GPUs it holds while it runs")
    parser.add_argument(
        "--secret",
        action="append",
        metavar="NAME",
        help="give it this secret as an environment variable (masked in its output); repeatable",
    )
    parser.add_argument(
        "--notify",
        action="append",
        metavar="URL",
        help="send its end to this Apprise URL (slack://..., mailto://...); repeatable",
    )


def fields(args: argparse.Namespace) -> dict[str, Any]:
    """The request fields the flags give (those not given are left out)."""
    given = {"queue": args.queue, "gpus": args.gpus, "secrets": args.secret,
             "notify": args.notify}  # fmt: skip
    return {key: value for key, value in given.items() if value is not None}
