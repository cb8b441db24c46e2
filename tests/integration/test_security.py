"""Every surface refuses a caller without its token; forged origins and log lines are refused."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio

from joblook.web.api import ENQUEUE_MAX_BYTES
from tests.support.processes import JOBLOOK, free_port
from tests.support.socketclient import InOrderClient
from tests.support.stack import Stack, output_of, running_stack

USER = "user-token-0123456789abcdef0123456789"
SYNC = "sync-token-0123456789abcdef0123456789"
SOME_TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack with a user token and a sync token, as production runs."""
    env = {"JOBLOOK_AUTH": "token", "JOBLOOK_TOKEN": USER, "JOBLOOK_SYNC_TOKEN": SYNC}
    with running_stack(tmp_path_factory.mktemp("secured"), extra_env=env) as stack:
        yield stack


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/enqueue"),
        ("GET", f"/permlog?task_id={SOME_TASK}"),
        ("GET", "/tasks"),
        ("GET", f"/tasks/{SOME_TASK}"),
        ("DELETE", f"/tasks/{SOME_TASK}"),
        ("POST", f"/tasks/{SOME_TASK}/rerun"),
        ("GET", f"/tasks/{SOME_TASK}/log"),
        ("GET", "/"),
        ("GET", f"/task?task_id={SOME_TASK}"),
        ("GET", "/docs"),
        ("GET", "/config"),
        ("GET", "/jobs"),
    ],
)
def test_every_surface_refuses_a_caller_without_the_token(
    secured: Stack, method: str, path: str
) -> None:
    reply = requests.request(method, secured.url(path), json={"cmd": "true"}, timeout=10)
    assert reply.status_code == 401
    assert reply.json()["error"]
    wrong = {"Authorization": "Bearer not-the-token"}
    forged = requests.request(method, secured.url(path), json={}, headers=wrong, timeout=10)
    assert forged.status_code == 403


def test_a_command_sent_without_the_token_never_runs(secured: Stack, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    reply = requests.post(secured.url("/enqueue"), json={"cmd": f"touch {canary}"}, timeout=10)
    assert reply.status_code == 401
    allowed = {"Authorization": f"Bearer {USER}"}
    proof = requests.post(
        secured.url("/enqueue"), json={"cmd": "true"}, headers=allowed, timeout=10
    )
    secured.http.headers.update(allowed)
    secured.wait_finished(proof.json()["task_id"])  # a later task ran, so the first had its chance
    assert not canary.exists()


def test_sync_refuses_no_token_and_the_user_token(secured: Stack) -> None:
    for headers in ({}, {"Authorization": f"Bearer {USER}"}):
        reply = requests.post(secured.url("/sync"), json=[], headers=headers, timeout=10)
        assert reply.status_code in (401, 403)
    ok = requests.post(
        secured.url("/sync"), json=[], headers={"Authorization": f"Bearer {SYNC}"}, timeout=10
    )
    assert ok.status_code == 200


def connects(url: str, **options: object) -> bool:
    client = InOrderClient(reconnection=False)
    try:
        client.connect(url, transports=["websocket"], wait_timeout=5, **options)  # type: ignore[arg-type]
    except socketio.exceptions.ConnectionError:
        return False
    client.disconnect()
    return True


def test_socketio_needs_the_token(secured: Stack) -> None:
    assert not connects(secured.base_url)
    assert not connects(secured.base_url, auth={"token": "guess"})
    assert connects(secured.base_url, auth={"token": USER})


def test_socketio_refuses_a_handshake_from_a_foreign_origin(secured: Stack) -> None:
    # The Engine.IO handshake over plain HTTP, so the test controls the Origin header exactly.
    handshake = secured.url("/socket.io/?EIO=4&transport=polling")
    own = requests.get(handshake, headers={"Origin": secured.base_url}, timeout=10)
    assert own.status_code == 200
    foreign = requests.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10)
    assert foreign.status_code == 400


def test_joblook_web_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBLOOK_")}
    env |= {"JOBLOOK_PORT": str(free_port()), "JOBLOOK_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [*JOBLOOK, "web"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert "JOBLOOK_TOKEN is not set" in done.stderr


def test_a_dns_rebinding_page_cannot_run_commands_even_without_auth(
    stack: Stack, tmp_path: Path
) -> None:
    # `stack` runs with JOBLOOK_AUTH=none. A rebinding page's requests name its own domain in Host
    # (with a matching Origin) while its name resolves to 127.0.0.1.
    canary = tmp_path / "rebound"
    rebound = f"rebind.attacker.example:{stack.web_port}"
    headers = {"Host": rebound, "Origin": f"http://{rebound}"}
    reply = requests.post(
        stack.url("/enqueue"), json={"cmd": f"touch {canary}"}, headers=headers, timeout=10
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == "bad host"
    handshake = stack.url("/socket.io/?EIO=4&transport=polling")
    assert requests.get(handshake, headers=headers, timeout=10).status_code == 400
    own = f"localhost:{stack.web_port}"
    local = {"Host": own, "Origin": f"http://{own}"}
    assert requests.get(handshake, headers=local, timeout=10).status_code == 200
    stack.wait_finished(stack.enqueue("true"))  # a later task ran, so the first had its chance
    assert not canary.exists()


def test_a_command_sees_none_of_joblooks_secrets(secured: Stack) -> None:
    secured.http.headers.update({"Authorization": f"Bearer {USER}"})
    log = secured.wait_finished(secured.enqueue("env"))
    env = dict(
        line.partition("=")[::2] for line in output_of(log["records"], "stdout").splitlines()
    )
    assert USER not in str(env) and SYNC not in str(env)
    assert not {"JOBLOOK_TOKEN", "JOBLOOK_SYNC_TOKEN", "REDIS_URL"} & set(env)
    assert env["PATH"] == os.environ["PATH"]
    assert env["PYTHONUNBUFFERED"] == "1"


def post_chunked(stack: Stack, pieces: Iterator[bytes]) -> requests.Response:
    """POST /enqueue with no Content-Length: requests sends a generator's pieces chunked."""
    return requests.post(
        stack.url("/enqueue"),
        data=pieces,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


def test_a_chunked_body_over_the_cap_is_too_large_not_bad(stack: Stack) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"cmd": "'
        for _ in range(ENQUEUE_MAX_BYTES // (1024 * 1024) + 1):  # /enqueue's cap: a batch's room
            yield b"x" * (1024 * 1024)
        yield b'"}'

    reply = post_chunked(stack, chunks())
    assert reply.status_code == 413, reply.text
    assert reply.json()["error"]


def test_a_chunked_body_under_the_cap_is_read(stack: Stack) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"cmd": '
        yield b'"echo chunked"}'

    reply = post_chunked(stack, chunks())
    assert reply.status_code == 202, reply.text
    log = stack.wait_finished(reply.json()["task_id"])
    assert output_of(log["records"], "stdout") == "chunked\n"
