"""One joblook Compose stack, run from the host the way docs/compose.md tells a user to run it
(the live compose tests and ``bench --compose`` both use it; nothing here needs pytest).

A stack is a copy of the checkout (what a fresh clone holds, without a developer's own ``.env``,
virtualenv or node_modules), a ``.env`` made from ``.env.example`` with the four secrets filled in
and free loopback ports, and a compose project name of its own, so several stacks (and other
checkouts) can share one Docker engine. ``down`` removes its containers and volumes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import requests

from joblook.record import TERMINAL_STATES
from tests.support.processes import free_port
from tests.support.waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
TERMINAL = TERMINAL_STATES
# What a fresh clone does not have: local state, caches and a developer's own secrets.
_NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "var", ".env", "__pycache__", ".pytest_cache", ".ruff_cache",
    "*.egg-info", "build", "results", "site",
)  # fmt: skip
COMPOSE_SECONDS = 600  # the longest one compose command may take (a first build on vfs)


def engine_answers() -> str | None:
    """None when a Docker engine and Compose v2 answer, else why not (one line)."""
    if shutil.which("docker") is None:
        return "no docker command"
    for argv in (["docker", "info"], ["docker", "compose", "version"]):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(argv)}` did not answer in 20 s"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            return f"`{' '.join(argv)}`: {last}"
    return None


def fill_env(example: str, values: dict[str, str]) -> str:
    """``.env.example`` with each name set: its ``NAME=`` or ``# NAME=...`` line replaced, or a
    new line at the end when the example has none."""
    text = example
    for name, value in values.items():
        line = re.compile(rf"^(#\s*)?{name}=.*$", re.MULTILINE)
        text, found = line.subn(f"{name}={value}", text, count=1)
        if not found:
            text += f"\n{name}={value}\n"
    return text


def docs_env_lines(heading: str) -> dict[str, str]:
    """The ``NAME=value`` lines of the first ```sh block under ``heading`` in docs/compose.md,
    each ``<...>`` placeholder filled with a random secret: what the docs tell a user to add to
    ``.env``, for a stack (and the static tests) to use as written."""
    text = (REPO_ROOT / "docs" / "compose.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.partition("=") for line in block.splitlines() if line.strip()]
    return {
        name: secrets.token_hex(32) if value.startswith("<") else value for name, _, value in lines
    }


class ComposeStack:
    """``docker compose -p <project>`` in its own copy of the checkout."""

    def __init__(
        self,
        root: Path,
        project: str,
        image: str,
        settings: dict[str, str],
        compose_file: str | None = None,
    ) -> None:
        """``compose_file``: another file than docker-compose.yml (relative to the checkout), run
        with the checkout's ``.env``, e.g. ``deploy/cluster/compose.yml``."""
        self.dir = root / project
        self.file_args = ["-f", compose_file, "--env-file", ".env"] if compose_file else []
        shutil.copytree(REPO_ROOT, self.dir, ignore=_NOT_IN_A_CLONE)
        self.project = project
        self.web_port, self.flower_port = free_port(), free_port()
        self.token, self.flower_login = secrets.token_hex(32), f"admin:{secrets.token_hex(16)}"
        self.env_values = {
            # docs/compose.md step 1: cp .env.example .env, then fill in the four secrets.
            "REDIS_PASSWORD": secrets.token_hex(32),
            "JOBLOOK_TOKEN": self.token,
            "JOBLOOK_SYNC_TOKEN": secrets.token_hex(32),
            "FLOWER_BASIC_AUTH": self.flower_login,
            # Free host ports and an image tag of this run's own: the engine is shared.
            "JOBLOOK_PORT": str(self.web_port),
            "FLOWER_PORT": str(self.flower_port),
            "JOBLOOK_IMAGE": image,
            **settings,
        }
        example = (self.dir / ".env.example").read_text(encoding="utf-8")
        (self.dir / ".env").write_text(fill_env(example, self.env_values), encoding="utf-8")
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.flower_url = f"http://127.0.0.1:{self.flower_port}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    # ---- docker compose -------------------------------------------------------------------------

    def compose(self, *args: str, timeout: float = COMPOSE_SECONDS, check: bool = True) -> str:
        """``docker compose -p <project> ARGS`` in the stack's directory; its stdout."""
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_BUILDKIT"}  # compose's default
        done = subprocess.run(
            ["docker", "compose", "-p", self.project, *self.file_args, *args],
            cwd=self.dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def up(self, *args: str) -> None:
        """``up -d --wait`` (plus ``args``): returns once every service is healthy."""
        self.compose("up", "-d", "--wait", *args)

    def down(self) -> None:
        """``down -v``: containers, network and volumes go; never raises."""
        self.http.close()
        self.compose("down", "-v", "--remove-orphans", "--timeout", "10", check=False)

    def containers(self, service: str) -> list[str]:
        """Ids of the service's running containers."""
        return self.compose("ps", "-q", service).split()

    def inspect(self, container: str) -> dict[str, Any]:
        done = subprocess.run(
            ["docker", "inspect", container], capture_output=True, text=True, timeout=30, check=True
        )
        inspected: dict[str, Any] = json.loads(done.stdout)[0]
        return inspected

    def health(self, service: str) -> list[str]:
        """Each of the service's containers' health status (``healthy``, ``starting``, ...)."""
        return [
            self.inspect(c)["State"].get("Health", {}).get("Status", "none")
            for c in self.containers(service)
        ]

    def wait_healthy(self, *services: str, timeout: float = 120) -> None:
        for service in services:
            wait_for(
                lambda s=service: (h := self.health(s)) and set(h) == {"healthy"},
                timeout,
                f"{service} to be healthy",
                interval=1,
            )

    def logs(self, service: str) -> str:
        return self.compose("logs", "--no-color", "--no-log-prefix", service)

    # ---- the HTTP API, from the host ------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def enqueue(self, cmd: str) -> str:
        reply = self.http.post(self.url("/enqueue"), json={"cmd": cmd}, timeout=10)
        assert reply.status_code == 202, reply.text
        return str(reply.json()["task_id"])

    def task(self, task_id: str) -> dict[str, Any]:
        reply = self.http.get(self.url(f"/tasks/{task_id}"), timeout=10)
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()
        return result

    def permlog(self, task_id: str) -> dict[str, Any]:
        reply = self.http.get(self.url("/permlog"), params={"task_id": task_id}, timeout=30)
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()
        return result

    def wait_reaped(self, task_id: str, timeout: float) -> dict[str, Any]:
        """``GET /tasks/ID`` once the task has left STARTED: what a lost worker's task becomes
        when the web's reaper fails it (there is no record of its own to wait for)."""
        return wait_for(
            lambda: (t := self.task(task_id))["state"] != "STARTED" and t,
            timeout,
            "the reaper to fail the task",
            interval=0.25,
        )

    def wait_finished(self, task_id: str, timeout: float = 90) -> dict[str, Any]:
        """The permlog once its terminal status record is stored (the web may be restarting)."""

        def finished() -> dict[str, Any] | None:
            try:
                log = self.permlog(task_id)
            except (requests.RequestException, AssertionError):
                return None
            return log if log["state"] in TERMINAL else None

        return wait_for(finished, timeout, f"task {task_id} to finish", interval=0.25)

    def wait_output(self, task_id: str, records: int, timeout: float = 60) -> None:
        """Until the store holds at least ``records`` records of the task."""
        wait_for(
            lambda: self.permlog(task_id)["last_seq"] >= records,
            timeout,
            f"{records} records of {task_id}",
            interval=0.1,
        )
