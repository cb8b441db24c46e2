"""The Fluentd path, measured as the shipper's is, on a stack of its own: the same latency,
throughput and fan-out runs with real Fluentd (the repository's fluent.conf) in the shipper's
place, so ``make bench`` puts the two side by side."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bench import fanout, latency, throughput
from bench.profiles import Profile
from bench.stack import bench_stack
from tests.support import fluentd

log = logging.getLogger("bench")


def run(profile: Profile, root: Path) -> dict[str, Any] | None:
    """The figures, or None (and a log line saying why) when no fluentd runs here."""
    if fluentd.find() is None:
        log.warning("fluentd: skipped, no fluentd (set JOBLOOK_FLUENTD or install Fluentd)")
        return None
    viewers = profile.fanout_viewers[0]
    with bench_stack(root, shipper="fluentd") as stack:
        return {
            "latency": latency.run(stack, profile.latency_seconds),
            "throughput": throughput.run(stack, profile.throughput_lines, timeout=600),
            "fanout": fanout.run(
                stack, viewers, profile.fanout_processes, profile.fanout_seconds, lps=50.0
            ),
        }
