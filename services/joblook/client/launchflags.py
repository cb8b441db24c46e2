"""The launch flags every command-line launch takes (``joblook submit``, ``joblook schedule
add``): where and how the task runs and how often it is retried, named as ``POST /enqueue``'s
fields are, so the web checks them (one set of rules: ``web/models``)."""

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


def add_retries(parser: argparse.ArgumentParser) -> None:
    """``--retries`` and ``--retry-delay`` (``joblook submit``, ``rerun``, ``schedule add``)."""
    parser.add_argument(
        "--retries", type=int, metavar="N", help="run it up to N more times if it fails"
    )
    parser.add_argument(
        "--retry-delay", type=float, metavar="S", help="wait S seconds before the 2nd attempt"
    )


def fields(args: argparse.Namespace) -> dict[str, Any]:
    """The request fields the flags give (those not given, or not taken, are left out)."""
    given = {"queue": args.queue, "gpus": args.gpus, "secrets": args.secret,
             "notify": args.notify, "retries": getattr(args, "retries", None),
             "retry_delay": getattr(args, "retry_delay", None)}  # fmt: skip
    return {key: value for key, value in given.items() if value is not None}
