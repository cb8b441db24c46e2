"""The Host allow-list: a DNS-rebinding page names its own domain in Host, and is refused."""

from __future__ import annotations

import pytest

from joblook.settings import Settings
from joblook.web.hosts import allowed_hosts, host_name
from tests.unit.web.conftest import AppFactory

REBOUND = "http://rebind.attacker.example:8888"


def test_a_request_naming_a_foreign_host_is_refused_without_auth(make_app: AppFactory) -> None:
    app = make_app(JOBLOOK_AUTH="none")
    with app.test_client() as client:
        reply = client.post(
            "/enqueue", base_url=REBOUND, json={"cmd": "true"}, headers={"Origin": REBOUND}
        )
        assert reply.status_code == 400
        assert reply.json is not None and reply.json["error"] == "bad host"
        assert "JOBLOOK_ALLOWED_HOSTS" in reply.json["detail"]
        assert client.get("/tasks", base_url=REBOUND).status_code == 400
        assert client.post("/enqueue", json={"cmd": "true"}).status_code == 202  # as localhost


def test_a_request_without_a_host_header_is_refused(make_app: AppFactory) -> None:
    app = make_app(JOBLOOK_AUTH="none")
    with app.test_client() as client:
        reply = client.get("/tasks", environ_overrides={"HTTP_HOST": ""})
        assert reply.status_code == 400


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:8888", "http://[::1]:8888", "http://localhost", "http://web:8888"]
)
def test_local_names_and_the_configured_ones_are_answered(make_app: AppFactory, base: str) -> None:
    app = make_app(JOBLOOK_AUTH="none", JOBLOOK_ALLOWED_HOSTS="web")
    with app.test_client() as client:
        assert client.get("/tasks", base_url=base).status_code == 200


def test_allowed_hosts_are_the_loopback_names_the_bind_address_and_the_public_url() -> None:
    settings = Settings.from_env(
        {
            "JOBLOOK_HOST": "10.0.0.5",
            "JOBLOOK_PUBLIC_URL": "https://Joblook.Example.com/",
            "JOBLOOK_ALLOWED_HOSTS": " web , proxy.internal.,",
        }
    )
    assert allowed_hosts(settings) == {
        "localhost",
        "127.0.0.1",
        "::1",
        "10.0.0.5",
        "joblook.example.com",
        "web",
        "proxy.internal",
    }


def test_every_interface_is_not_a_host_name() -> None:
    settings = Settings.from_env({"JOBLOOK_HOST": "0.0.0.0", "JOBLOOK_PUBLIC_URL": "http://x:1"})
    assert "0.0.0.0" not in allowed_hosts(settings)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("localhost:8888", "localhost"),
        ("LOCALHOST.", "localhost"),
        ("[::1]:8888", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost@evil.example", None),
        ("evil.example/localhost", None),
        ("localhost:port", None),
        ("", None),
    ],
)
def test_host_name_takes_the_name_and_refuses_anything_else(header: str, name: str | None) -> None:
    assert host_name(header) == name
