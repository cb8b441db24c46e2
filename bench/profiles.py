"""How much each benchmark does: the full run docs/performance.md quotes, and a seconds-long
quick one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    latency_seconds: float  # at 100 lines/s
    throughput_lines: int
    fanout_viewers: tuple[int, ...]
    fanout_seconds: float  # at 50 lines/s
    fanout_processes: int  # client processes the viewers are spread over
    enqueue_requests: int
    enqueue_clients: int
    first_lines: int  # enqueue -> first line samples
    relay_lines: int
    follow_lines: int  # at 10 lines/s, each alone on its way
    cancel_samples: int
    search_lines: int = 0  # the log searched (issue #17)
    tail_lines: int = 0  # the long log opened at its end (0: none)
    batch_sizes: tuple[int, ...] = (1_000, 10_000)  # tasks per batch-submit request
    batch_repeats: int = 5  # requests of each size (the median is the figure)


FULL = Profile(
    name="full",
    latency_seconds=10,
    throughput_lines=1_000_000,
    fanout_viewers=(100, 500, 1000),
    fanout_seconds=10,
    fanout_processes=2,
    enqueue_requests=2000,
    enqueue_clients=8,
    first_lines=50,
    relay_lines=20_000,
    follow_lines=100,
    cancel_samples=20,
    search_lines=1_000_000,
    tail_lines=10_000_000,
)

QUICK = Profile(
    name="quick",
    latency_seconds=1,
    throughput_lines=20_000,
    fanout_viewers=(5, 20),
    fanout_seconds=2,
    fanout_processes=2,
    enqueue_requests=100,
    enqueue_clients=4,
    first_lines=5,
    relay_lines=1000,
    follow_lines=10,
    cancel_samples=3,
    search_lines=20_000,
    tail_lines=100_000,
    batch_repeats=2,
)

# python -m bench --compose, before its cluster section (CLUSTER below): latency and throughput
# only (local and through compose), larger than QUICK so the percentiles mean something, smaller
# than FULL so the compose stack's build and two ups fit in a few minutes. The other fields are
# unused by it.
COMPOSE = Profile(
    name="compose",
    latency_seconds=10,
    throughput_lines=200_000,
    fanout_viewers=(),
    fanout_seconds=0,
    fanout_processes=0,
    enqueue_requests=0,
    enqueue_clients=0,
    first_lines=0,
    relay_lines=0,
    follow_lines=0,
    cancel_samples=0,
)


@dataclass(frozen=True)
class ClusterProfile:
    """The compose profile's cluster section (``bench.cluster``, issue #20)."""

    name: str
    latency_seconds: float  # at 100 lines/s
    throughput_lines: int  # seq 1 N to one viewer
    viewers: int  # fan-out, split across the web replicas by the balancer
    fanout_seconds: float  # at 50 lines/s
    fanout_processes: int  # client processes the viewers are spread over
    replicas: tuple[int, ...] = (2, 1)  # web replicas the fan-out runs with, in this order


CLUSTER = ClusterProfile(
    name="cluster",
    latency_seconds=10,
    throughput_lines=100_000,
    viewers=1_000,
    fanout_seconds=10,
    fanout_processes=2,
)

# python -m bench --compose --quick: the cluster section alone, small enough for a smoke run.
CLUSTER_QUICK = ClusterProfile(
    name="cluster-quick",
    latency_seconds=1,
    throughput_lines=5_000,
    viewers=20,
    fanout_seconds=2,
    fanout_processes=2,
)
