"""Secure by default: what the services refuse to start with."""

from __future__ import annotations

import pytest

from joblook import security
from joblook.settings import Settings, SettingsError


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "JOBLOOK_TOKEN is not set"),
        ({"JOBLOOK_TOKEN": "a" * 40}, "JOBLOOK_SYNC_TOKEN is not set"),
        ({"JOBLOOK_TOKEN": "same", "JOBLOOK_SYNC_TOKEN": "same"}, "must differ"),
        ({"JOBLOOK_AUTH": "none", "JOBLOOK_HOST": "0.0.0.0"}, "only allowed on a loopback"),
        ({"JOBLOOK_AUTH": "none", "JOBLOOK_HOST": "192.168.1.5"}, "only allowed on a loopback"),
    ],
)
def test_the_web_refuses_to_start_unprotected(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        security.check_web(settings(**env))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_no_auth_is_allowed_on_loopback_when_asked_for(host: str) -> None:
    security.check_web(settings(JOBLOOK_AUTH="none", JOBLOOK_HOST=host))


def test_no_auth_means_no_token_is_checked_even_if_one_is_set() -> None:
    open_local = settings(JOBLOOK_AUTH="none", JOBLOOK_TOKEN="x", JOBLOOK_SYNC_TOKEN="y")
    assert (open_local.token, open_local.sync_token) == (None, None)


def test_an_unknown_auth_mode_is_an_error() -> None:
    with pytest.raises(SettingsError, match="JOBLOOK_AUTH"):
        settings(JOBLOOK_AUTH="maybe")


def test_flower_beyond_loopback_needs_basic_auth() -> None:
    with pytest.raises(SettingsError, match="FLOWER_BASIC_AUTH"):
        security.check_flower(settings(JOBLOOK_HOST="0.0.0.0"), [])
    security.check_flower(settings(JOBLOOK_HOST="0.0.0.0", FLOWER_BASIC_AUTH="admin:secret"), [])
    security.check_flower(settings(JOBLOOK_HOST="0.0.0.0"), ["--basic-auth=admin:secret"])
    security.check_flower(settings(), [])


def test_up_makes_two_different_long_tokens_when_none_are_given() -> None:
    env: dict[str, str] = {}
    assert security.fill_in_tokens(env) is True
    assert len(env["JOBLOOK_TOKEN"]) >= 40
    assert env["JOBLOOK_SYNC_TOKEN"] != env["JOBLOOK_TOKEN"]
    security.check_web(settings(**env))


def test_up_keeps_given_tokens_and_makes_none_when_auth_is_off() -> None:
    given = {"JOBLOOK_TOKEN": "mine"}
    assert security.fill_in_tokens(given) is False
    assert given["JOBLOOK_TOKEN"] == "mine"
    assert given["JOBLOOK_SYNC_TOKEN"] not in ("", "mine")
    off = {"JOBLOOK_AUTH": "none"}
    assert security.fill_in_tokens(off) is False
    assert "JOBLOOK_TOKEN" not in off


def test_up_makes_flower_a_login_unless_one_is_given() -> None:
    env: dict[str, str] = {}
    login = security.fill_in_flower_login(env)
    assert login is not None and env["FLOWER_BASIC_AUTH"] == login
    user, _, password = login.partition(":")
    assert user and len(password) >= 40
    given = {"FLOWER_BASIC_AUTH": "admin:secret"}
    assert security.fill_in_flower_login(given) is None
    assert given["FLOWER_BASIC_AUTH"] == "admin:secret"
