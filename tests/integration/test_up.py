"""`joblook up` (what `make run` calls): it all starts, a command runs, Ctrl-C leaves nothing."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import redis
import requests

from tests.support import fluentd
from tests.support.processes import JOBLOOK, alive, free_port
from tests.support.stack import output_of
from tests.support.tools import missing_tool
from tests.support.waiting import wait_for


class Up:
    def __init__(self, tmp_path: Path, *args: str, **extra_env: str) -> None:
        self.web_port, self.flower_port = free_port(), free_port()
        # up starts its own Redis and makes its own tokens
        unset = {"REDIS_URL", "JOBLOOK_TOKEN", "JOBLOOK_SYNC_TOKEN", "JOBLOOK_AUTH"}
        env = {
            k: v for k, v in os.environ.items() if k not in unset and not k.startswith("FLOWER_")
        }
        self.redis_port = free_port()
        self.data_dir = tmp_path / "var"
        env |= {
            "JOBLOOK_PORT": str(self.web_port),
            "FLOWER_PORT": str(self.flower_port),
            "JOBLOOK_REDIS_PORT": str(self.redis_port),
            "JOBLOOK_DATA_DIR": str(self.data_dir),
            **extra_env,
        }
        self.output = tmp_path / "up.log"
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen(
                [*JOBLOOK, "up", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.http = requests.Session()

    def token(self) -> str | None:
        """The token from the address up prints, as a user would copy it."""
        found = re.search(r"\?token=(\S+)", self.output.read_text())
        return found.group(1) if found else None

    def flower_login(self) -> tuple[str, str]:
        """The Flower login up prints, as a user would copy it."""
        found = re.search(r"Flower login: (\S+) / (\S+)", self.output.read_text())
        assert found, self.output.read_text()
        return found.group(1), found.group(2)

    def healthy(self) -> bool:
        token = self.token()
        if token is None:
            return False
        self.http.headers["Authorization"] = f"Bearer {token}"
        try:
            reply = self.http.get(f"{self.url}/healthz", timeout=2)
        except requests.RequestException:
            return False
        return reply.status_code == 200 and reply.json()["workers"] >= 1

    def permlog(self, task_id: str) -> dict:
        return self.http.get(f"{self.url}/permlog", params={"task_id": task_id}, timeout=10).json()

    def enqueue(self, cmd: str) -> str:
        return self.http.post(f"{self.url}/enqueue", json={"cmd": cmd}, timeout=10).json()[
            "task_id"
        ]


@contextlib.contextmanager
def started(running: Up) -> Iterator[Up]:
    try:
        wait_for(running.healthy, 60, "joblook up to become healthy", interval=0.2)
    except AssertionError:
        os.killpg(running.proc.pid, signal.SIGKILL)
        raise AssertionError(running.output.read_text()[-3000:]) from None
    yield running
    if running.proc.poll() is None:  # stop it as a user would; it takes its services with it
        descendants = psutil.Process(running.proc.pid).children(recursive=True)
        running.proc.send_signal(signal.SIGINT)
        try:
            running.proc.wait(30)
        finally:
            for proc in descendants:  # only if up itself failed to
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.kill()


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    with started(Up(tmp_path)) as running:
        yield running


def test_joblook_up_runs_a_command_from_http_to_the_permanent_log(up: Up) -> None:
    task_id = up.enqueue("echo hello from up")
    log = wait_for(lambda: (p := up.permlog(task_id))["state"] == "SUCCESS" and p, 30, "the task")
    assert output_of(log["records"], "stdout") == "hello from up\n"
    flower = f"http://127.0.0.1:{up.flower_port}"
    assert requests.get(f"{flower}/", auth=up.flower_login(), timeout=10).status_code == 200

    def in_flower() -> dict | None:
        tasks = requests.get(f"{flower}/api/tasks", auth=up.flower_login(), timeout=10).json()
        return tasks.get(task_id)

    seen = wait_for(in_flower, 30, "Flower to list the task")
    assert seen["name"] == "joblook.run"
    assert "echo hello from up" in seen["args"]
    assert "'queue': 'celery'" in seen["kwargs"]  # its queue, as the task page shows it too
    assert f"http://127.0.0.1:{up.web_port}/?token=" in up.output.read_text()


def test_flower_lists_a_task_still_waiting_in_its_queue(up: Up) -> None:
    body = {"cmd": "echo never taken", "queue": "unserved"}  # no worker of up serves it
    task_id = up.http.post(f"{up.url}/enqueue", json=body, timeout=10).json()["task_id"]
    flower = f"http://127.0.0.1:{up.flower_port}"

    def in_flower() -> dict | None:
        tasks = requests.get(f"{flower}/api/tasks", auth=up.flower_login(), timeout=10).json()
        return tasks.get(task_id)

    # Only the task-sent event the web publishes when it queues the task can tell Flower of it.
    seen = wait_for(in_flower, 30, "Flower to list the queued task")
    assert (seen["name"], seen["state"]) == ("joblook.run", "PENDING")
    assert "'queue': 'unserved'" in seen["kwargs"]


def test_joblook_up_runs_a_scheduler_that_fires_a_schedule(tmp_path: Path) -> None:
    with started(Up(tmp_path, JOBLOOK_SCHEDULE_MIN_INTERVAL="1")) as running:
        body = {"every": 1, "cmd": "echo scheduled by up"}
        made = running.http.post(f"{running.url}/schedules", json=body, timeout=10).json()
        path = f"{running.url}/schedules/{made['schedule_id']}"

        def ran() -> str | None:
            runs = running.http.get(path, timeout=10).json()["last_runs"]
            done = [r["task_id"] for r in runs if r["state"] == "SUCCESS"]
            return done[0] if done else None

        task_id = wait_for(ran, 30, "the schedule to run its command")
        assert output_of(running.permlog(task_id)["records"], "stdout") == "scheduled by up\n"


def test_up_makes_a_token_and_a_request_without_it_runs_nothing(up: Up, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    refused = requests.post(f"{up.url}/enqueue", json={"cmd": f"touch {canary}"}, timeout=10)
    assert refused.status_code == 401
    assert requests.get(f"{up.url}/tasks", timeout=10).status_code == 401
    marker = up.enqueue("echo allowed")  # the same with the printed token goes through
    wait_for(lambda: up.permlog(marker)["state"] == "SUCCESS", 30, "the allowed task")
    assert not canary.exists()


def test_ctrl_c_stops_every_process_including_a_running_commands_children(up: Up) -> None:
    task_id = up.enqueue("sleep 300 & sleep 301 & wait")
    wait_for(lambda: up.permlog(task_id)["state"] == "STARTED", 30, "the command to start")
    descendants = psutil.Process(up.proc.pid).children(recursive=True)
    sleeps = [p for p in descendants if p.name() == "sleep"]
    assert len(sleeps) == 2
    up.proc.send_signal(signal.SIGINT)
    up.proc.wait(timeout=30)
    wait_for(lambda: not any(alive(p.pid) for p in descendants), 10, "every process to end")


def test_the_redis_up_starts_refuses_a_client_without_its_password(up: Up) -> None:
    anonymous = redis.Redis(port=up.redis_port, socket_timeout=5)
    with anonymous, pytest.raises(redis.exceptions.AuthenticationError):
        anonymous.ping()
    config = up.data_dir / "redis" / "redis.conf"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    password = re.search(r'^requirepass "(\w+)"$', config.read_text(), re.MULTILINE)
    assert password and len(password.group(1)) >= 32
    with redis.Redis(port=up.redis_port, password=password.group(1)) as owner:
        assert owner.ping()
    redis_dir = up.data_dir / "redis"  # the append-only file and the config: the owner's alone
    for path in [redis_dir, *redis_dir.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    for proc in psutil.Process(up.proc.pid).children(recursive=True):  # nothing shows it in ps
        with contextlib.suppress(psutil.NoSuchProcess):
            assert password.group(1) not in " ".join(proc.cmdline())


def test_flower_needs_the_login_up_prints_and_shows_no_redis_password(up: Up) -> None:
    flower = f"http://127.0.0.1:{up.flower_port}"
    for path in ("/", "/api/workers", "/tasks/datatable"):
        assert requests.get(f"{flower}{path}", timeout=10).status_code == 401
    rebound = {"Host": f"rebind.attacker.example:{up.flower_port}"}
    assert requests.get(f"{flower}/", headers=rebound, timeout=10).status_code == 401
    login = up.flower_login()
    assert up.output.read_text().count(login[1]) == 1  # printed once, like the token

    def workers() -> str | None:
        reply = requests.get(f"{flower}/api/workers?refresh=1", auth=login, timeout=30)
        return reply.text if reply.status_code == 200 and "broker_url" in reply.text else None

    shown = wait_for(workers, 30, "Flower to show the worker's configuration")
    config = (up.data_dir / "redis" / "redis.conf").read_text()
    password = re.search(r'^requirepass "(\w+)"$', config, re.MULTILINE)
    assert password and password.group(1) not in shown
    assert "joblook_redis_url" not in shown


def test_joblook_up_with_fluentd_in_the_shippers_place(tmp_path: Path) -> None:
    command = fluentd.find()
    if command is None:
        missing_tool("no fluentd: set JOBLOOK_FLUENTD, or run ../shared/fluentd/install-deps")
    with started(Up(tmp_path, "--shipper", "fluentd", JOBLOOK_FLUENTD=command)) as up:
        task_id = up.enqueue("echo shipped by fluentd")
        log = wait_for(lambda: (p := up.permlog(task_id))["state"] == "SUCCESS" and p, 30, "it")
        assert output_of(log["records"], "stdout") == "shipped by fluentd\n"
        text = up.output.read_text()
        # honcho names what it started: Fluentd ran, and the shipper did not.
        assert "fluentd started" in text and "shipper started" not in text
        # Its positions and buffer are under the data directory, not in container paths.
        assert (up.data_dir / "fluentd" / "positions" / "task_logs.pos").is_file()
