"""The command line's launch flags become the request fields the API takes, the same for
``joblook submit`` and ``joblook schedule add``."""

from __future__ import annotations

from joblook.client import launchflags
from joblook.client.commands import build_parser


def test_schedule_add_sends_retries_and_retry_delay_as_enqueue_names_them() -> None:
    argv = ["schedule", "add", "--every", "60", "--retries", "2", "--retry-delay", "1.5"]
    args = build_parser().parse_args([*argv, "--queue", "gpu", "--", "false"])
    assert launchflags.fields(args) == {"queue": "gpu", "retries": 2, "retry_delay": 1.5}


def test_submit_leaves_out_the_flags_not_given() -> None:
    args = build_parser().parse_args(["submit", "--retries", "0", "--", "true"])
    assert launchflags.fields(args) == {"retries": 0}
