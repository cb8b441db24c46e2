"""The whole joblook stack as real processes on free ports: Redis, web, worker, shipper,
scheduler.

Each service runs the same command ``joblook up`` and the containers run, so the tests exercise
what users run. A test can kill -9 and restart any one service. The shipper is joblook's own, or
real Fluentd running the repository's fluent.conf (``shipper="fluentd"``), as
``joblook up --shipper fluentd`` runs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import requests

from joblook import fluentd
from joblook.record import TERMINAL_STATES
from joblook.settings import Settings
from joblook.shipper.positions import PositionStore
from tests.support import fluentd as fluentd_support
from tests.support.processes import JOBLOOK, Service, free_port
from tests.support.socketclient import InOrderClient
from tests.support.waiting import wait_for

TERMINAL = TERMINAL_STATES  # the states a task ends in, for the tests that import it from here


def redis_argv(port: int, directory: Path) -> list[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is required (make system-deps installs it)"
    directory.mkdir(parents=True, exist_ok=True)
    return [
        binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
        "--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction",
    ]  # fmt: skip


class Stack:
    """Redis + web + worker + shipper + scheduler for one test (or one test session).

    ``shipper`` is "joblook" or "fluentd"; ``shipper_env`` is added to the shipper's environment
    only (a token the web does not share, say)."""

    def __init__(
        self,
        root: Path,
        extra_env: dict[str, str] | None = None,
        concurrency: int = 4,
        shipper: str = "joblook",
        shipper_env: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.data_dir = root / "var"
        self.redis_port = free_port()
        self.web_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            **os.environ,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "JOBLOOK_HOST": "127.0.0.1",
            "JOBLOOK_PORT": str(self.web_port),
            "JOBLOOK_DATA_DIR": str(self.data_dir),
            "JOBLOOK_LOG_LEVEL": "INFO",
            # Loopback only, so no tokens: the security tests run stacks with tokens instead.
            "JOBLOOK_AUTH": "none",
            # Schedules every second or two, so their tests take seconds, not minutes.
            "JOBLOOK_SCHEDULE_MIN_INTERVAL": "1",
            **(extra_env or {}),
        }
        logs = root / "service-logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.redis = Service("redis", redis_argv(self.redis_port, root / "redis"), self.env, logs)
        self.web = Service("web", [*JOBLOOK, "web"], self.env, logs)
        worker_argv = [*JOBLOOK, "worker", "--concurrency", str(concurrency)]
        self.worker = Service("worker", worker_argv, self.env, logs)
        self.shipper_kind = shipper
        self.fluentd_monitor: str | None = None
        shipper_env = {**self.env, **(shipper_env or {})}
        if shipper == "fluentd":
            self.shipper = self._fluentd(shipper_env, logs)
        else:
            self.shipper = Service("shipper", [*JOBLOOK, "shipper"], shipper_env, logs)
        self.scheduler = Service("scheduler", [*JOBLOOK, "scheduler"], self.env, logs)
        self.services = [self.redis, self.web, self.worker, self.shipper, self.scheduler]
        self.http = requests.Session()

    def _fluentd(self, env: dict[str, str], logs: Path) -> Service:
        """Fluentd with the command and environment ``joblook up --shipper fluentd`` gives it."""
        command = fluentd_support.find()
        assert command, "no fluentd: the fixture should have skipped (tests/support/fluentd.py)"
        settings = Settings.from_env({**env, "JOBLOOK_FLUENTD": command})
        monitor_port = free_port()
        self.fluentd_monitor = f"http://127.0.0.1:{monitor_port}/api/plugins.json"
        local = fluentd.environment(settings, free_port(), monitor_port)
        return Service("fluentd", fluentd.command(settings), {**env, **local}, logs)

    def rejected(self) -> list[dict[str, Any]]:
        """The records the shipper set aside because /sync refused them outright (400): the
        shipper's ``rejected.jsonl``, or the batches in Fluentd's ``secondary_file`` directory."""
        if self.shipper_kind == "fluentd":
            files = sorted((self.data_dir / "fluentd" / "failed").glob("*"))
        else:
            files = [self.data_dir / "shipper" / "rejected.jsonl"]
        # Fluentd keeps a batch as out_http buffered it for a JSON array: "{...}\n,{...}\n,".
        lines = [
            line.strip(b", ") for f in files if f.is_file() for line in f.read_bytes().split(b"\n")
        ]
        return [orjson.loads(line) for line in lines if line]

    def add_worker(self, name: str, concurrency: int = 1, args: tuple[str, ...] = ()) -> Service:
        """Another worker on the same Redis (stopped with the stack), started at once; ``args``
        go to ``joblook worker`` (``--queues gpu``, ``--gpus 0,1``)."""
        argv = [*JOBLOOK, "worker", "--concurrency", str(concurrency), "--hostname", f"{name}@%h"]
        argv += list(args)
        worker = Service(name, argv, self.env, self.root / "service-logs")
        self.services.append(worker)
        worker.start()
        return worker

    def add_web(self, name: str) -> str:
        """Another web process on the same Redis, on a port of its own (stopped with the stack),
        started and answering; returns its base URL."""
        port = free_port()
        env = {**self.env, "JOBLOOK_PORT": str(port)}
        web = Service(name, [*JOBLOOK, "web"], env, self.root / "service-logs")
        self.services.append(web)
        web.start()
        base_url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{base_url}/healthz"), 30, f"{name} to answer")
        return base_url

    def add_scheduler(self, name: str) -> Service:
        """Another scheduler on the same Redis (stopped with the stack), started at once."""
        scheduler = Service(name, [*JOBLOOK, "scheduler"], self.env, self.root / "service-logs")
        self.services.append(scheduler)
        scheduler.start()
        return scheduler

    def start(self) -> None:
        for service in self.services:
            service.start()
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the web answers /healthz and at least one worker answers its ping."""

        def ready() -> bool:
            try:
                reply = self.http.get(self.url("/healthz"), timeout=2)
            except requests.RequestException:
                return False
            healthy = reply.status_code == 200 and reply.json()["workers"] >= 1
            return healthy and self._fluentd_ready()

        try:
            wait_for(ready, timeout, "the stack to become healthy", interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def _fluentd_ready(self) -> bool:
        """Fluentd's monitor_agent answers once every plugin has started (true for the shipper)."""
        if self.fluentd_monitor is None or not self.shipper.running:
            return self.fluentd_monitor is None
        try:
            return requests.get(self.fluentd_monitor, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        self.http.close()
        for service in reversed(self.services):
            service.stop()

    def logs(self) -> str:
        return "\n".join(service.log_tail() for service in self.services)

    def url(self, path: str) -> str:
        return self.base_url + path

    def enqueue(self, cmd: str, **options: Any) -> str:
        return str(self.enqueue_json({"cmd": cmd, **options})["task_id"])

    def enqueue_json(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.http.post(self.url("/enqueue"), json=body, timeout=10)
        assert reply.status_code == 202, reply.text
        result: dict[str, Any] = reply.json()
        return result

    def task(self, task_id: str) -> dict[str, Any]:
        reply = self.http.get(self.url(f"/tasks/{task_id}"), timeout=10)
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()
        return result

    def permlog(self, task_id: str, **params: Any) -> dict[str, Any]:
        reply = self.http.get(
            self.url("/permlog"), params={"task_id": task_id, **params}, timeout=30
        )
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()
        return result

    def wait_finished(self, task_id: str, timeout: float = 60) -> dict[str, Any]:
        """The permlog once the terminal status record is stored (it is always the last record)."""

        def finished() -> dict[str, Any] | None:
            log = self.permlog(task_id)
            return log if log["state"] in TERMINAL else None

        try:
            return wait_for(finished, timeout, f"task {task_id} to finish", interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def wait_shipped(self, task_id: str, timeout: float = 180) -> None:
        """Until joblook's shipper has had /sync acknowledge the task's whole log.

        A task reads as ended as soon as /sync has stored its last record, but that request goes
        on (it indexes the lines) before it answers. A web stopped in between never answers: the
        shipper sends the batch again to the next web, which parses and indexes it anew."""
        assert self.shipper_kind == "joblook", "Fluentd keeps no positions file to read"
        positions = PositionStore(Settings.from_env(self.env).positions_file)

        def shipped() -> bool:
            position = positions.load().get(f"{task_id}.jsonl")
            return position is not None and position.done

        wait_for(shipped, timeout, f"the shipper to deliver task {task_id}'s log", interval=0.2)

    @contextmanager
    def socket_client(self) -> Iterator[InOrderClient]:
        client = InOrderClient(reconnection=False)
        client.connect(self.base_url, transports=["websocket"], wait_timeout=10)
        try:
            yield client
        finally:
            client.disconnect()


@contextmanager
def running_stack(
    root: Path,
    extra_env: dict[str, str] | None = None,
    concurrency: int = 4,
    jobs_yaml: str | None = None,
    *,
    shipper: str = "joblook",
    shipper_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """A stack for the block, stopped after it (also when it fails to start); ``jobs_yaml``
    becomes its jobs file."""
    env = dict(extra_env or {})
    if jobs_yaml is not None:
        root.mkdir(parents=True, exist_ok=True)
        (root / "jobs.yaml").write_text(jobs_yaml)
        env["JOBLOOK_JOBS_FILE"] = str(root / "jobs.yaml")
    stack = Stack(root, env, concurrency, shipper, shipper_env)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def answers(url: str) -> bool:
    """The URL answers 200 within 2 s (nothing listening yet, or too busy to reply: False)."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


SHARED_TOKEN = "shared-admin-token-0123456789abcdef01234"
SYNC_TOKEN = "sync-token-0123456789abcdef0123456789abc"


def with_tokens(**env: str) -> dict[str, str]:
    """A stack's environment with JOBLOOK_TOKEN (the admin) and a sync token, as a team runs it,
    and ``env``."""
    return {
        "JOBLOOK_AUTH": "token",
        "JOBLOOK_TOKEN": SHARED_TOKEN,
        "JOBLOOK_SYNC_TOKEN": SYNC_TOKEN,
        **env,
    }


def output_of(records: list[dict[str, Any]], stream: str) -> str:
    return "".join(r["log"] for r in records if r["stream"] == stream)


def seqs_of(records: list[dict[str, Any]]) -> list[int]:
    return [r["seq"] for r in records]


def paced_count(lines: int) -> tuple[str, str]:
    """A command printing 1..lines, 100 lines every 50 ms (so a service can be hurt while it
    streams), and the output it prints."""
    cmd = (
        'python3 -c "import time\n'
        f"for i in range(1, {lines + 1}):\n"
        "    print(i)\n"
        '    if i % 100 == 0: time.sleep(0.05)"'
    )
    return cmd, "".join(f"{i}\n" for i in range(1, lines + 1))
