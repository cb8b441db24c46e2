"""A secret through real processes: set over HTTP, given to a command by the worker, and masked at
every hop its output takes: the task's file, the shipper's /sync body, Redis, /permlog, Socket.IO,
the download and the search index."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from joblook.store.secrets import new_key
from tests.integration.test_socketio import Subscription
from tests.support.processes import JOBLOOK, free_port
from tests.support.redisdump import every_stored_byte
from tests.support.stack import Stack, output_of, running_stack
from tests.support.waiting import wait_for

SECRET = "s3kr1t-Zq9w"
OTHER = "Tk9-é-Qx7v"  # multi-byte; its halves split the "é" (head and tail count bytes)
# Each printed whole (stdout, stderr) and in two halves with a pause between, longer than the
# worker's pause flush; the command itself never spells a value, so only output could leak one.
PRINTS = (
    'echo "whole=$DB_PASSWORD"; echo "err=$API_TOKEN" >&2; printf split=; '
    'printf %s "$DB_PASSWORD" | head -c 6; sleep 0.5; echo "$DB_PASSWORD" | tail -c +7; '
    'printf %s "$API_TOKEN" | head -c 5 >&2; sleep 0.5; echo "$API_TOKEN" | tail -c +6 >&2'
)
PARTS = (SECRET, OTHER, "s3kr1t", "Zq9w", "Tk9", "Qx7v")


class SyncRecorder(http.server.ThreadingHTTPServer):
    """Sits between the shipper and /sync: keeps each body, passes it on, answers as the web did."""

    def __init__(self) -> None:
        self.target = ""  # the web's /sync, once the stack has chosen its port
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", free_port()), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sync"


class _Forward(http.server.BaseHTTPRequestHandler):
    server: SyncRecorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append(body)
        headers = {k: v for k, v in self.headers.items() if k in ("Content-Type", "Authorization")}
        reply = requests.post(self.server.target, data=body, headers=headers, timeout=30)
        self.send_response(reply.status_code)
        self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, SyncRecorder]]:
    """A stack with a secret key whose shipper sends through a SyncRecorder."""
    root = tmp_path_factory.mktemp("secrets")
    recorder = SyncRecorder()
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    # The file is kept for the test to read (the worker deletes it once the store holds it).
    env = {"JOBLOOK_SECRET_KEY": new_key(), "JOBLOOK_FILE_RETENTION": "3600"}
    try:
        with running_stack(root, env, shipper_env={"JOBLOOK_SYNC_URL": recorder.url}) as stack:
            recorder.target = stack.url("/sync")
            yield stack, recorder
    finally:
        recorder.shutdown()
        recorder.server_close()


def put_secret(stack: Stack, name: str, value: str) -> None:
    reply = stack.http.put(stack.url(f"/secrets/{name}"), json={"value": value}, timeout=10)
    assert reply.status_code == 200, reply.text


def run_and_watch(stack: Stack) -> tuple[str, dict[str, Any], Subscription]:
    """Run PRINTS with both secrets, a Socket.IO subscriber watching it live."""
    put_secret(stack, "DB_PASSWORD", SECRET)
    put_secret(stack, "API_TOKEN", OTHER)
    received = Subscription()
    with stack.socket_client() as client:
        client.on("log", received.on_log)
        client.on("status", received.on_status)
        task_id = stack.enqueue(PRINTS, secrets=["DB_PASSWORD", "API_TOKEN"])
        assert client.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        wait_for(lambda: received.final_status, 30, "the final status event")
    return task_id, stack.wait_finished(task_id), received


def leaks(text: str | bytes) -> list[str]:
    """The secrets, or halves of them, that ``text`` holds."""
    data = text.encode() if isinstance(text, str) else text
    return [part for part in PARTS if part.encode() in data]


def test_a_secret_printed_whole_and_split_is_masked_at_every_hop(
    recorded: tuple[Stack, SyncRecorder],
) -> None:
    stack, recorder = recorded
    task_id, permlog, received = run_and_watch(stack)
    assert permlog["state"] == "SUCCESS", permlog
    records = permlog["records"]
    assert output_of(records, "stdout") == "whole=***\nsplit=***\n"
    assert output_of(records, "stderr") == "err=***\n***\n"

    file = Path(stack.data_dir, "logs", f"{task_id}.jsonl").read_bytes()
    assert b"whole=***" in file and not leaks(file)
    synced = b"".join(body for body in recorder.bodies if task_id.encode() in body)
    assert b"whole=***" in synced and not leaks(synced)
    assert output_of(received.records, "stdout") == "whole=***\nsplit=***\n"
    # What could not be a secret was shown at the pause; the held half was never shown.
    assert [r["log"] for r in received.records if r["stream"] == "stdout"][1:] == [
        "split=",
        "***\n",
    ]
    assert not leaks(repr(received.records))
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    assert b"whole=***" in every_stored_byte(client)
    assert not leaks(every_stored_byte(client))
    client.close()
    for params in ({"format": "text"}, {"format": "json"}):
        download = stack.http.get(stack.url("/permlog"), params={"task_id": task_id, **params})
        assert download.status_code == 200 and b"***" in download.content
        assert not leaks(download.content)
    follow = stack.http.get(stack.url(f"/tasks/{task_id}/log"), params={"format": "jsonl"})
    assert follow.status_code == 200 and b"***" in follow.content and not leaks(follow.content)


def test_the_search_index_holds_the_mask_not_the_secret(
    recorded: tuple[Stack, SyncRecorder],
) -> None:
    stack, _ = recorded
    task_id, _, _ = run_and_watch(stack)

    def search(q: str) -> list[dict[str, Any]]:
        reply = stack.http.get(stack.url(f"/tasks/{task_id}/search"), params={"q": q})
        assert reply.status_code == 200, reply.text
        return list(reply.json()["matches"])

    assert len(wait_for(lambda: search("***"), 10, "the masked lines in the index")) == 4
    for part in PARTS:
        assert search(part) == [], part


def test_a_command_that_asks_for_an_unknown_secret_is_refused_and_never_queued(
    recorded: tuple[Stack, SyncRecorder],
) -> None:
    stack, _ = recorded
    before = stack.http.get(stack.url("/tasks")).json()["tasks"]
    reply = stack.http.post(stack.url("/enqueue"), json={"cmd": "env", "secrets": ["NO_SUCH"]})
    assert reply.status_code == 400
    assert reply.json()["detail"] == {"unknown": ["NO_SUCH"]}
    assert stack.http.get(stack.url("/tasks")).json()["tasks"] == before


def test_a_secret_deleted_before_its_task_runs_fails_the_task_unrun(
    recorded: tuple[Stack, SyncRecorder],
) -> None:
    stack, _ = recorded
    put_secret(stack, "GONE_SOON", "short-lived")
    task_id = stack.enqueue("echo ran", secrets=["GONE_SOON"], queue="later")  # no worker yet
    assert stack.http.delete(stack.url("/secrets/GONE_SOON")).status_code == 200
    stack.add_worker("later", args=("--queues", "later"))
    final = stack.wait_finished(task_id)
    assert final["state"] == "FAILURE"
    assert final["records"][-1]["log"] == "not run: secret not set: GONE_SOON"
    assert output_of(final["records"], "stdout") == ""


def cli(stack: Stack, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBLOOK_URL": stack.base_url}
    return subprocess.run(
        [*JOBLOOK, *args], input=stdin, env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def test_the_cli_sets_a_secret_from_stdin_lists_it_without_its_value_and_removes_it(
    recorded: tuple[Stack, SyncRecorder],
) -> None:
    stack, _ = recorded
    made = cli(stack, "secrets", "set", "CLI_SECRET", stdin="from-the-pipe\n")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("CLI_SECRET set at ")
    listed = cli(stack, "secrets", "list")
    assert "CLI_SECRET" in listed.stdout and "from-the-pipe" not in listed.stdout
    ran = cli(stack, "submit", "--follow", "--secret", "CLI_SECRET", "--", 'echo "[$CLI_SECRET]"')
    assert (ran.returncode, ran.stdout) == (0, "[***]\n")  # the newline was not part of it
    assert cli(stack, "secrets", "rm", "CLI_SECRET").returncode == 0
    assert "CLI_SECRET" not in cli(stack, "secrets", "ls").stdout
    bad = cli(stack, "secrets", "set", "lower/case", stdin="value")
    assert bad.returncode == 1 and "HTTP 400" in bad.stderr
