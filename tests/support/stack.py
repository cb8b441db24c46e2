"""The whole joblook stack as real processes on free ports: Redis, web, worker, shipper.

Each service runs the same command ``joblook up`` and the containers run, so the tests exercise
what users run. A test can kill -9 and restart any one service.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from joblook.record import TERMINAL_STATES
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
    """Redis + web + worker + shipper for one test (or one test session)."""

    def __init__(
        self, root: Path, extra_env: dict[str, str] | None = None, concurrency: int = 4
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
            **(extra_env or {}),
        }
        logs = root / "service-logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.redis = Service("redis", redis_argv(self.redis_port, root / "redis"), self.env, logs)
        self.web = Service("web", [*JOBLOOK, "web"], self.env, logs)
        worker_argv = [*JOBLOOK, "worker", "--concurrency", str(concurrency)]
        self.worker = Service("worker", worker_argv, self.env, logs)
        self.shipper = Service("shipper", [*JOBLOOK, "shipper"], self.env, logs)
        self.services = [self.redis, self.web, self.worker, self.shipper]
        self.http = requests.Session()

    def add_worker(self, name: str, concurrency: int = 1) -> Service:
        """Another worker on the same Redis (stopped with the stack), started at once."""
        argv = [*JOBLOOK, "worker", "--concurrency", str(concurrency), "--hostname", f"{name}@%h"]
        worker = Service(name, argv, self.env, self.root / "service-logs")
        self.services.append(worker)
        worker.start()
        return worker

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
            return reply.status_code == 200 and reply.json()["workers"] >= 1

        try:
            wait_for(ready, timeout, "the stack to become healthy", interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

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
) -> Iterator[Stack]:
    """A stack for the block, stopped after it (also when it fails to start); ``jobs_yaml``
    becomes its jobs file."""
    env = dict(extra_env or {})
    if jobs_yaml is not None:
        root.mkdir(parents=True, exist_ok=True)
        (root / "jobs.yaml").write_text(jobs_yaml)
        env["JOBLOOK_JOBS_FILE"] = str(root / "jobs.yaml")
    stack = Stack(root, extra_env=env, concurrency=concurrency)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def output_of(records: list[dict[str, Any]], stream: str) -> str:
    return "".join(r["log"] for r in records if r["stream"] == stream)


def seqs_of(records: list[dict[str, Any]]) -> list[int]:
    return [r["seq"] for r in records]
