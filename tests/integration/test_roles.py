"""Who may do what, walked from the table in docs/accounts.md: each request of the table, made
with each role's token, over the API, the pages, Socket.IO and the CLI of a running joblook."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from tests.support.processes import JOBLOOK
from tests.support.socketclient import InOrderClient
from tests.support.stack import SHARED_TOKEN as SHARED
from tests.support.stack import Stack, running_stack, with_tokens

ROLES = ("viewer", "operator", "admin")
SSO_HEADER = "X-Forwarded-User"
DOC = Path(__file__).resolve().parents[2] / "docs" / "accounts.md"
ROW = re.compile(
    r"^\| [^|]+ \| (?P<request>[^|]+?) \| (?P<viewer>yes|no) \| (?P<operator>yes|no) "
    r"\| (?P<admin>yes|no) \|$"
)
_names = itertools.count()


def documented() -> dict[str, dict[str, bool]]:
    """The table of who may do what: request (without backticks) -> role -> allowed."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if found:
            request = found["request"].replace("`", "")
            rows[request] = {role: found[role] == "yes" for role in ROLES}
    return rows


TABLE = documented()


@dataclass
class Accounts:
    stack: Stack
    tokens: dict[str, str]  # role -> the token of a user with that role
    done: str  # a task that has ended

    def as_admin(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        reply = http(self.stack, SHARED, method, path, body)
        assert reply.status_code < 300, reply.text
        return dict(reply.json())

    def sleeping_task(self) -> str:
        return str(self.as_admin("POST", "/enqueue", {"cmd": "sleep 20"})["task_id"])

    def schedule(self) -> str:
        body = {"every": 3600, "cmd": "true", "paused": True}
        return str(self.as_admin("POST", "/schedules", body)["schedule_id"])

    def secret(self) -> str:
        name = f"SECRET_{next(_names)}"
        self.as_admin("PUT", f"/secrets/{name}", {"value": "hunter22"})
        return name

    def user(self) -> str:
        name = f"someone-{next(_names)}"
        self.as_admin("POST", "/users", {"name": name, "role": "viewer"})
        return name


def http(stack: Stack, token: str | None, method: str, path: str, body: object = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, stack.url(path), json=body, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    """A stack with JOBLOOK_TOKEN, a user of each role, a trusted SSO proxy on loopback, and an
    ended task."""
    env = with_tokens(
        JOBLOOK_TRUSTED_USER_HEADER=SSO_HEADER,
        JOBLOOK_TRUSTED_PROXIES="127.0.0.1/32",
        JOBLOOK_SECRET_KEY=Fernet.generate_key().decode(),
    )
    with running_stack(tmp_path_factory.mktemp("roles"), extra_env=env) as stack:
        made = Accounts(stack, {}, "")
        for role in ROLES:
            made.tokens[role] = made.as_admin(
                "POST", "/users", {"name": role + "-1", "role": role}
            )["token"]
        made.done = str(made.as_admin("POST", "/enqueue", {"cmd": "echo done"})["task_id"])
        stack.http.headers["Authorization"] = f"Bearer {SHARED}"
        stack.wait_finished(made.done)
        yield made


# --- each request of the table, made with a token; True when it was allowed, False when the
# role was refused (anything else fails the test).

Action = Callable[[Accounts, str], bool]


def api(method: str, path: str, body: object = None) -> Action:
    """An HTTP request; ``path`` and ``body`` may be functions of the accounts (fresh ids)."""

    def run(acc: Accounts, token: str) -> bool:
        where = path(acc) if callable(path) else path
        sent = body(acc) if callable(body) else body
        reply = http(acc.stack, token, method, where, sent)
        return allowed(reply.status_code, reply.json().get("error") if _is_json(reply) else None)

    return run


def _is_json(reply: requests.Response) -> bool:
    return reply.headers.get("Content-Type", "").startswith("application/json")


def allowed(status: int, error: str | None) -> bool:
    if status == 403 and error is not None and "role" in error:
        return False
    assert status < 300, (status, error)
    return True


def socket_event(event: str, data: Callable[[Accounts], dict[str, Any]]) -> Action:
    def run(acc: Accounts, token: str) -> bool:
        client = InOrderClient(reconnection=False)
        client.connect(
            acc.stack.base_url, transports=["websocket"], auth={"token": token}, wait_timeout=10
        )
        try:
            ack = client.call(event, data(acc), timeout=10)
        finally:
            client.disconnect()
        if not ack["ok"]:
            assert "role" in ack["error"], ack
        return bool(ack["ok"])

    return run


def cli(*words: str | Callable[[Accounts], str]) -> Action:
    def run(acc: Accounts, token: str) -> bool:
        argv = [w(acc) if callable(w) else w for w in words]
        cut = argv.index("--") if "--" in argv else len(argv)  # options end at --
        argv[cut:cut] = ["--token", token]
        env = {**os.environ, "JOBLOOK_URL": acc.stack.base_url, "JOBLOOK_TOKEN": ""}
        done = subprocess.run(
            [*JOBLOOK, *argv], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode == 1 and "HTTP 403" in done.stderr and "role" in done.stderr:
            return False
        assert done.returncode == 0, done.stderr
        return True

    return run


def _done_path(suffix: str = "") -> Callable[[Accounts], str]:
    return lambda acc: f"/tasks/{acc.done}{suffix}"


ACTIONS: dict[str, Action] = {
    "GET /me": api("GET", "/me"),
    "GET /tasks": api("GET", "/tasks"),
    "GET /tasks/ID": api("GET", _done_path()),
    "GET /tasks/ID/log": api("GET", _done_path("/log")),
    "GET /permlog": api("GET", lambda acc: f"/permlog?task_id={acc.done}"),
    "GET /schedules": api("GET", "/schedules"),
    "GET /jobs": api("GET", "/jobs"),
    "POST /enqueue": api("POST", "/enqueue", {"cmd": "true"}),
    "POST /tasks/ID/rerun": api("POST", _done_path("/rerun"), {}),
    "DELETE /tasks/ID": api("DELETE", lambda acc: f"/tasks/{acc.sleeping_task()}"),
    "POST /schedules": api("POST", "/schedules", {"every": 3600, "cmd": "true", "paused": True}),
    "PATCH /schedules/ID": api(
        "PATCH", lambda acc: f"/schedules/{acc.schedule()}", {"paused": True}
    ),
    "DELETE /schedules/ID": api("DELETE", lambda acc: f"/schedules/{acc.schedule()}"),
    "GET /users": api("GET", "/users"),
    "POST /users": api(
        "POST", "/users", lambda acc: {"name": f"new-{next(_names)}", "role": "viewer"}
    ),
    "PATCH /users/NAME": api("PATCH", lambda acc: f"/users/{acc.user()}", {"role": "operator"}),
    "POST /users/NAME/token": api("POST", lambda acc: f"/users/{acc.user()}/token"),
    "DELETE /users/NAME": api("DELETE", lambda acc: f"/users/{acc.user()}"),
    "PUT /users/sso-default-role": api("PUT", "/users/sso-default-role", {"role": "viewer"}),
    "GET /audit": api("GET", "/audit"),
    "GET /secrets": api("GET", "/secrets"),
    "PUT /secrets/NAME": api(
        "PUT", lambda acc: f"/secrets/NEW_{next(_names)}", {"value": "hunter22"}
    ),
    "DELETE /secrets/NAME": api("DELETE", lambda acc: f"/secrets/{acc.secret()}"),
    "page /": api("GET", "/"),
    "page /task": api("GET", lambda acc: f"/task?task_id={acc.done}"),
    "page /accounts": api("GET", "/accounts"),
    "Socket.IO subscribe": socket_event(
        "subscribe", lambda acc: {"task_id": acc.done, "after_seq": 0}
    ),
    "Socket.IO watch_tasks": socket_event("watch_tasks", lambda acc: {}),
    "Socket.IO cancel": socket_event("cancel", lambda acc: {"task_id": acc.sleeping_task()}),
    "CLI joblook ls": cli("ls"),
    "CLI joblook show ID": cli("show", lambda acc: acc.done),
    "CLI joblook submit": cli("submit", "--", "true"),
    "CLI joblook rerun ID": cli("rerun", lambda acc: acc.done),
    "CLI joblook cancel ID": cli("cancel", lambda acc: acc.sleeping_task()),
    "CLI joblook schedule add": cli("schedule", "add", "--every", "3600", "--paused", "--", "true"),
    "CLI joblook users list": cli("users", "list"),
    "CLI joblook users add": cli(
        "users", "add", lambda acc: f"cli-{next(_names)}", "--role", "viewer"
    ),
}


def test_the_docs_table_and_these_tests_name_the_same_requests() -> None:
    assert len(TABLE) >= 30
    assert sorted(TABLE) == sorted(ACTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("request_", sorted(TABLE))
def test_each_role_may_do_what_the_docs_table_says(
    accounts: Accounts, request_: str, role: str
) -> None:
    assert ACTIONS[request_](accounts, accounts.tokens[role]) is TABLE[request_][role]


# --- who did what


def test_a_task_records_who_submitted_and_who_cancelled_it(accounts: Accounts) -> None:
    operator = accounts.tokens["operator"]
    reply = http(accounts.stack, operator, "POST", "/enqueue", {"cmd": "sleep 20"})
    task_id = reply.json()["task_id"]
    assert http(accounts.stack, accounts.tokens["admin"], "DELETE", f"/tasks/{task_id}").ok
    accounts.stack.wait_finished(task_id)
    task = accounts.as_admin("GET", f"/tasks/{task_id}")
    assert (task["submitted_by"], task["cancelled_by"]) == ("operator-1", "admin-1")
    assert task["message"].startswith("cancelled by api (admin-1 from 127.0.0.1)")
    listed = accounts.as_admin("GET", "/tasks?limit=200")["tasks"]
    assert {t["task_id"]: t["submitted_by"] for t in listed}[task_id] == "operator-1"
    rerun = accounts.as_admin("POST", f"/tasks/{accounts.done}/rerun", {})["task_id"]
    assert accounts.as_admin("GET", f"/tasks/{rerun}")["submitted_by"] == f"rerun:{accounts.done}"


def test_the_cli_shows_who_submitted_a_task(accounts: Accounts) -> None:
    env = {**os.environ, "JOBLOOK_URL": accounts.stack.base_url, "JOBLOOK_TOKEN": SHARED}
    listed = subprocess.run(
        [*JOBLOOK, "ls", "--limit", "200"], env=env, capture_output=True, text=True, check=True
    )
    line = next(line for line in listed.stdout.splitlines() if line.startswith(accounts.done))
    assert " admin " in line  # the shared token's admin started it


def test_the_audit_trail_lists_what_was_done_newest_first_without_tokens(
    accounts: Accounts,
) -> None:
    name = accounts.user()
    accounts.as_admin("PATCH", f"/users/{name}", {"role": "operator"})
    refused = http(accounts.stack, "jl_not-a-token-anybody-holds", "GET", "/tasks")
    assert refused.status_code == 403
    entries = accounts.as_admin("GET", "/audit?limit=50")["entries"]
    times = [entry["time"] for entry in entries]
    assert times == sorted(times, reverse=True)
    newest = entries[0]
    assert (newest["action"], newest["actor"], newest["address"]) == (
        "token.refused",
        None,
        "127.0.0.1",
    )
    assert "jl_not-a-token" not in str(entries)
    changed = next(e for e in entries if e["action"] == "user.role")
    assert (changed["actor"], changed["user"], changed["role"]) == ("admin", name, "operator")
    assert any(e["action"] == "user.add" and e["user"] == name for e in entries)


def test_a_user_removed_or_given_a_new_token_loses_the_old_one(accounts: Accounts) -> None:
    name = f"leaver-{next(_names)}"
    token = accounts.as_admin("POST", "/users", {"name": name, "role": "viewer"})["token"]
    assert http(accounts.stack, token, "GET", "/me").json() == {"name": name, "role": "viewer"}
    new = accounts.as_admin("POST", f"/users/{name}/token")["token"]
    assert http(accounts.stack, token, "GET", "/me").status_code == 403
    assert http(accounts.stack, new, "GET", "/me").status_code == 200
    accounts.as_admin("DELETE", f"/users/{name}")
    assert http(accounts.stack, new, "GET", "/me").status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"name": "mallory", "role": "root"}, 400, "role"),
        ({"name": "../etc", "role": "viewer"}, 400, "name"),
        ({"name": "a b", "role": "viewer"}, 400, "name"),
        ({"name": "", "role": "viewer"}, 400, "name"),
        ({"name": "admin", "role": "viewer"}, 409, "reserved"),
        ({"name": "viewer-1", "role": "admin"}, 409, "already"),
        ({"name": "x", "role": "viewer", "extra": 1}, 400, "extra"),
    ],
)
def test_bad_user_requests_get_a_clear_4xx_and_change_nothing(
    accounts: Accounts, body: dict[str, Any], status: int, says: str
) -> None:
    before = accounts.as_admin("GET", "/users")
    reply = http(accounts.stack, SHARED, "POST", "/users", body)
    assert reply.status_code == status, reply.text
    assert says in reply.text.lower()
    assert accounts.as_admin("GET", "/users") == before


def test_an_unknown_role_or_user_in_a_change_gets_a_4xx(accounts: Accounts) -> None:
    assert (
        http(accounts.stack, SHARED, "PATCH", "/users/viewer-1", {"role": "god"}).status_code == 400
    )
    assert (
        http(accounts.stack, SHARED, "PATCH", "/users/nobody", {"role": "viewer"}).status_code
        == 404
    )
    assert http(accounts.stack, SHARED, "DELETE", "/users/a%20b").status_code == 400
    assert (
        http(accounts.stack, SHARED, "PUT", "/users/sso-default-role", {"role": "x"}).status_code
        == 400
    )


def test_a_user_named_by_the_trusted_sso_proxy_gets_the_admins_default_role(
    accounts: Accounts,
) -> None:
    sso = {SSO_HEADER: "carol@example.com"}
    me = requests.get(accounts.stack.url("/me"), headers=sso, timeout=10)
    assert me.json() == {"name": "carol@example.com", "role": "viewer"}
    run = {"cmd": "true"}
    refused = requests.post(accounts.stack.url("/enqueue"), json=run, headers=sso, timeout=10)
    assert refused.status_code == 403
    accounts.as_admin("PUT", "/users/sso-default-role", {"role": "operator"})
    try:
        ran = requests.post(accounts.stack.url("/enqueue"), json=run, headers=sso, timeout=10)
        assert ran.status_code == 202
        task = accounts.as_admin("GET", f"/tasks/{ran.json()['task_id']}")
        assert task["submitted_by"] == "carol@example.com"
    finally:
        accounts.as_admin("PUT", "/users/sso-default-role", {"role": "viewer"})
