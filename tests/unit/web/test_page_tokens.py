"""Tokens in the browser: given once as ?token=, then kept in an HttpOnly SameSite=Strict cookie."""

from __future__ import annotations

import pytest

from joblook.web.extensions import socketio
from tests.unit.web.conftest import AppFactory

TOKEN = "user-secret"


@pytest.fixture
def app(make_app: AppFactory):  # type: ignore[no-untyped-def]
    return make_app(JOBLOOK_TOKEN=TOKEN)


def test_a_page_without_the_token_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_client() as client:
        assert client.get("/").status_code == 401


def test_a_caller_without_the_token_learns_nothing_about_the_query(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_client() as client:
        assert client.get("/task?task_id=not-a-uuid").status_code == 401
        client.get(f"/?token={TOKEN}")
        assert client.get("/task?task_id=not-a-uuid").status_code == 400


def test_a_wrong_token_in_the_address_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_client() as client:
        assert client.get("/?token=guess").status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_address(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_client() as client:
        reply = client.get(f"/task?task_id=5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b&token={TOKEN}")
        assert reply.status_code == 302
        assert reply.location == "/task?task_id=5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
        cookie = reply.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        with client.get("/") as page:
            assert page.status_code == 200
        assert client.post("/enqueue", json={"cmd": "true"}).status_code == 202


def test_socketio_accepts_the_cookie_or_the_auth_payload_and_nothing_else(
    make_app: AppFactory,
) -> None:
    app = make_app(message_queue=False, JOBLOOK_TOKEN=TOKEN)
    with app.test_client() as client:
        anonymous = socketio.test_client(app, flask_test_client=client)
        assert not anonymous.is_connected()
        with_auth = socketio.test_client(app, flask_test_client=client, auth={"token": TOKEN})
        assert with_auth.is_connected()
        with_auth.disconnect()
        client.get(f"/?token={TOKEN}")
        with_cookie = socketio.test_client(app, flask_test_client=client)
        assert with_cookie.is_connected()
        with_cookie.disconnect()


def test_the_cookie_does_not_open_sync(make_app: AppFactory) -> None:
    app = make_app(JOBLOOK_TOKEN=TOKEN, JOBLOOK_SYNC_TOKEN="sync-secret")
    with app.test_client() as client:
        client.get(f"/?token={TOKEN}")
        reply = client.post("/sync", data=b"[]", content_type="application/json")
        assert reply.status_code == 401
