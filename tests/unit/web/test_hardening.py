"""Response headers, the cookie's flags, OPTIONS and /config: nothing a client can bend."""

from __future__ import annotations

import pytest

from tests.unit.web.conftest import AppFactory

TOKEN = "user-secret"
SOME_TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize("path", ["/", "/tasks", "/healthz", "/static/home.js"])
def test_no_page_can_be_framed_sniffed_or_leak_its_address(make_app: AppFactory, path: str) -> None:
    with make_app().test_client() as client, client.get(path) as reply:
        headers = reply.headers
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_options_needs_the_token_like_get(make_app: AppFactory) -> None:
    with make_app(JOBLOOK_TOKEN=TOKEN).test_client() as client:
        assert client.options(f"/permlog?task_id={SOME_TASK}").status_code == 401
        assert client.options("/enqueue").status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert client.options("/permlog", headers=bearer).status_code == 200


@pytest.mark.parametrize(("public_url", "secure"), [("https://jl.example", True), ("", False)])
def test_the_cookie_is_secure_when_joblook_is_reached_over_https(
    make_app: AppFactory, public_url: str, secure: bool
) -> None:
    app = make_app(JOBLOOK_TOKEN=TOKEN, JOBLOOK_PUBLIC_URL=public_url)
    with app.test_client() as client, client.get(f"/?token={TOKEN}") as reply:
        cookie = reply.headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure


def test_the_flower_link_comes_from_settings_not_the_host_header(make_app: AppFactory) -> None:
    app = make_app(JOBLOOK_PUBLIC_URL="https://jl.example", JOBLOOK_ALLOWED_HOSTS="other.example")
    with app.test_client() as client:
        config = client.get("/config", base_url="http://other.example").get_json()
    assert config["flower_url"] == "http://jl.example:5555/"
