"""The compose profile's cluster section (issue #20): joblook spread over hosts as
``deploy/cluster/compose.yml`` runs it, measured from the host through the balancer.

A line goes: the command on a worker host -> its task file on that host's own volume -> that
host's Fluentd -> the balancer (nginx) -> a web replica's /sync -> Redis -> the replica each viewer
is connected to (the Socket.IO message queue) -> the balancer -> a viewer on the host. Measured:

- latency: one viewer, a task printing 100 time-stamped lines/s (print -> arrival, p50/p99);
- throughput: ``seq 1 N`` to one viewer (lines/s at the viewer, then every stored record checked);
- fan-out: many viewers of one task printing 50 lines/s, which the balancer spreads over the web
  replicas, with each replica count in turn (``--scale web=N``): deliveries/s, latency, what each
  replica served and the CPU the replicas and the balancer used.

One worker host runs (see LEFT_OUT). The printing command waits for a go file in its /tmp, which
the bench touches once every viewer has subscribed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from bench import compose, printer, throughput
from bench.fanout import ViewerProcesses
from bench.profiles import ClusterProfile
from bench.stats import rate
from bench.subscriber import Subscriber
from tests.support.composestack import ComposeStack

log = logging.getLogger("bench")

CLUSTER_FILE = "deploy/cluster/compose.yml"
# The worker host the tasks run on. The others, and Flower, are scaled to 0: nothing here needs
# them, and on Docker's vfs storage (this machine's) every container is a full copy of its image
# (~800 MB), on a disk the other engineers' stacks share.
WORKER_HOST = "worker-a"
LEFT_OUT = ("worker-b", "fluentd-b", "worker-c", "fluentd-c", "flower")
FANOUT_LINES_PER_S = 50.0
WEB_PORT = 8888  # inside a replica: the connections the balancer holds to it end here
DNS_SECONDS = 3.0  # the balancer's resolver keeps an answer for `web` 2 s (nginx.conf)


class ClusterStack(ComposeStack):
    """A ``ComposeStack`` of the cluster file, with what the bench asks of it."""

    def __init__(self, root: Path, project: str, image: str, settings: dict[str, str]) -> None:
        super().__init__(root, project, image, settings, compose_file=CLUSTER_FILE)

    def host_pids(self, service: str) -> dict[str, int]:
        """Each of the service's containers (its name) -> its first process's host PID."""
        return {
            (inspected := self.inspect(c))["Name"].lstrip("/"): inspected["State"]["Pid"]
            for c in self.containers(service)
        }

    def hosts_by_hostname(self) -> dict[str, str]:
        """Container hostname (what Celery names a worker after) -> compose service."""
        listed = self.compose("ps", "--format", "json").strip()
        # One object a line (Compose >= 2.21), or one array before that.
        rows = (
            json.loads(listed) if listed.startswith("[") else map(json.loads, listed.splitlines())
        )
        return {row["ID"][:12]: row["Service"] for row in rows}

    def up_scaled(self, web_replicas: int, *args: str) -> None:
        """``up`` of every service (a --scale for a service outside those named is refused), with
        ``web_replicas`` web replicas and LEFT_OUT at 0."""
        scales = [f"--scale={name}=0" for name in LEFT_OUT]
        self.up("--no-build", f"--scale=web={web_replicas}", *scales, *args)

    def scale_web(self, replicas: int) -> None:
        self.up_scaled(replicas, "--no-recreate")
        time.sleep(DNS_SECONDS)  # until the balancer's answer for `web` has them all


@contextmanager
def cluster_stack(root: Path) -> Iterator[tuple[ClusterStack, dict[str, float]]]:
    """The cluster (two web replicas) on a project and image tag of its own, timed on the way up,
    and ``down -v``-ed afterwards with its image removed."""
    run = secrets.token_hex(4)
    image = f"joblook:bench-cluster-{run}"
    settings = {"JOBLOOK_LOG_LEVEL": "WARNING"}
    stack = ClusterStack(root, f"jl-bench-cluster-{run}", image, settings)
    timings: dict[str, float] = {}
    try:
        started = time.monotonic()
        stack.compose("build", "web")  # one image for web, workers and flower
        timings["build_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        stack.up_scaled(2)
        timings["up_s"] = round(time.monotonic() - started, 1)
        share_niceness(stack)
        yield stack, timings
    finally:
        stack.down()
        subprocess.run(["docker", "image", "rm", "-f", image], capture_output=True, check=False)


def share_niceness(stack: ClusterStack) -> None:
    """Gives every process of the stack the bench's own niceness (``nice -n -15 python -m bench``
    on a shared machine): they are what is measured, and dockerd starts them at 0. Processes they
    start later (the commands a worker runs) inherit it."""
    mine = os.nice(0)
    if mine >= 0:
        return
    for container in stack.compose("ps", "-q").split():
        for process in _tree(stack.inspect(container)["State"]["Pid"]):
            with contextlib.suppress(psutil.NoSuchProcess):
                process.nice(mine)


def viewer_throughput(stack: ClusterStack, lines: int, timeout: float) -> dict[str, Any]:
    """``seq 1 N`` on a worker host until one viewer has its terminal status; then every record
    that viewer got and every stored one is checked (seqs in order, line k is ``k``)."""
    total = lines + 2  # STARTED, the lines, SUCCESS
    at_viewer = throughput.Checker()
    with Subscriber(stack.base_url, at_viewer.check, token=stack.token) as viewer:
        start = time.time()
        task_id = stack.enqueue(f"seq 1 {lines}")
        viewer.subscribe(task_id)
        finished = viewer.wait_finished(task_id, timeout)
    to_viewer = at_viewer.last_arrival - start
    stored = compose.check_stored(stack, task_id)
    return {
        "lines": lines,
        "worker_host": worker_host(stack, task_id),
        "finished": finished,
        "seconds_to_viewer": round(to_viewer, 3),
        "viewer_lines_per_s": rate(lines, to_viewer),
        "lost_at_viewer": total - (at_viewer.next_seq - 1) + at_viewer.bad,
        "lost_in_store": total - (stored.next_seq - 1) + stored.bad,
    }


def worker_host(stack: ClusterStack, task_id: str) -> str:
    """The worker host (compose service) that ran the task: its STARTED record says "started on
    <hostname>", and a container's hostname is the start of its id."""
    first = stack.http.get(
        stack.url("/permlog"), params={"task_id": task_id, "limit": 1}, timeout=30
    ).json()["records"]
    hostname = first[0]["log"].rpartition(" ")[2] if first else ""
    return stack.hosts_by_hostname().get(hostname, hostname or "unknown")


def fan_out(stack: ClusterStack, replicas: int, sizes: ClusterProfile, root: Path) -> dict:
    """``sizes.viewers`` viewers through the balancer, with ``replicas`` web replicas."""
    stack.scale_web(replicas)
    lines = round(sizes.fanout_seconds * FANOUT_LINES_PER_S)
    go_file = f"/tmp/jl-bench-{secrets.token_hex(4)}.go"
    task_id = stack.enqueue(printer.inline_command(lines, FANOUT_LINES_PER_S, go_file=go_file))
    webs = stack.host_pids("web")
    balancer = stack.host_pids("balancer")
    crowd = ViewerProcesses(
        stack.base_url, task_id, viewers=sizes.viewers, processes=sizes.fanout_processes,
        lines=lines, prefix=root / f"cluster-fanout-{replicas}", token=stack.token,
        timeout=sizes.fanout_seconds + 120,
    )  # fmt: skip
    with crowd:
        crowd.wait_ready(timeout=120 + sizes.viewers / 10)
        served = {name: connections_to(pid, WEB_PORT) for name, pid in webs.items()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in (webs | balancer).items()}
        stack.compose("exec", "-T", WORKER_HOST, "touch", go_file)
        crowd.wait_done()
        cpu = {name: round(cpu_seconds(pid) - cpu_before[name], 2) for name, pid in
               (webs | balancer).items()}  # fmt: skip
    return {
        "web_replicas": replicas,
        "viewers": sizes.viewers,
        "client_processes": sizes.fanout_processes,
        "lines": lines,
        "lines_per_s": FANOUT_LINES_PER_S,
        "worker_host": worker_host(stack, task_id),
        **crowd.results(),
        "connections_per_replica": served,
        "cpu_seconds": cpu,
        "web_cpu_seconds": round(sum(cpu[name] for name in webs), 2),
        "balancer_cpu_seconds": round(sum(cpu[name] for name in balancer), 2),
    }


def connections_to(pid: int, port: int) -> int:
    """Established TCP connections to ``port`` in the network namespace of a process (a
    container's first one): the viewers (and /sync posts) the balancer passed to that replica."""
    tables = [Path(f"/proc/{pid}/net/{name}") for name in ("tcp", "tcp6")]
    return sum(established_to(port, t.read_text()) for t in tables if t.exists())


def established_to(port: int, table: str) -> int:
    """Rows of a /proc/net/tcp table in state ESTABLISHED (01) whose local port is ``port``."""
    rows = (line.split() for line in table.splitlines()[1:])
    return sum(
        1
        for row in rows
        if len(row) > 3 and row[3] == "01" and int(row[1].split(":")[1], 16) == port
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process tree has used so far."""
    total = 0.0
    for process in _tree(pid):
        try:
            total += sum(process.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def run(sizes: ClusterProfile, root: Path) -> dict[str, Any]:
    """Latency and throughput with two replicas, then the fan-out with each replica count."""
    log.info("cluster: build and up ...")
    with cluster_stack(root / "cluster") as (stack, timings):
        log.info("cluster: %s; latency, throughput ...", timings)
        results: dict[str, Any] = {
            "up": timings,
            # The stack's processes' niceness while measured (share_niceness; 0: dockerd's).
            "niceness": min(os.nice(0), 0),
            "latency": compose.compose_latency(stack, sizes.latency_seconds),
            "throughput": viewer_throughput(stack, sizes.throughput_lines, timeout=600),
            "fanout": [],
        }
        for replicas in sizes.replicas:
            log.info("cluster: fan-out, %d viewers, --scale web=%d ...", sizes.viewers, replicas)
            results["fanout"].append(fan_out(stack, replicas, sizes, root))
    return results
