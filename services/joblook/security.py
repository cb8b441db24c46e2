"""Secure by default: which settings a service refuses to start with, and the tokens ``joblook up``
makes when none are given.

joblook runs shell commands sent over HTTP, so a web service that anyone on the network can reach
without a token is remote code execution for everyone. Running without auth must be asked for
(JOBLOOK_AUTH=none) and is only allowed where nobody else can connect: a loopback address.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import MutableMapping

from joblook.settings import Settings, SettingsError

NEW_TOKEN_BYTES = 32


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_web(settings: Settings) -> None:
    """Refuse to serve the API unless it is protected, or explicitly open on loopback only."""
    if settings.auth == "none":
        if not is_loopback(settings.host):
            raise SettingsError(
                f"JOBLOOK_AUTH=none is only allowed on a loopback address, not {settings.host}: "
                "anyone who can reach the API can run commands"
            )
        return
    if settings.token is None:
        raise SettingsError(
            "JOBLOOK_TOKEN is not set. Set it (and JOBLOOK_SYNC_TOKEN) to long random strings, "
            "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; or use "
            "`joblook up`, which makes both; or set JOBLOOK_AUTH=none on 127.0.0.1"
        )
    if settings.sync_token is None:
        raise SettingsError("JOBLOOK_SYNC_TOKEN is not set: /sync would accept forged log lines")
    if settings.sync_token == settings.token:
        raise SettingsError("JOBLOOK_SYNC_TOKEN must differ from JOBLOOK_TOKEN")


FLOWER_LOGIN_OPTIONS = ("--basic-auth", "--basic_auth", "--auth")


def check_flower(settings: Settings, args: list[str]) -> None:
    """Flower can run any task: beyond loopback it needs a login (FLOWER_BASIC_AUTH or an
    auth option among its arguments)."""
    has_login = settings.flower_basic_auth is not None or any(
        arg.startswith(FLOWER_LOGIN_OPTIONS) for arg in args
    )
    if not is_loopback(settings.host) and not has_login:
        raise SettingsError(
            f"Flower would listen on {settings.host} without a login: set FLOWER_BASIC_AUTH "
            "to user:password (or JOBLOOK_HOST=127.0.0.1)"
        )


FLOWER_USER = "joblook"


def fill_in_flower_login(env: MutableMapping[str, str]) -> str | None:
    """Make Flower a login (FLOWER_BASIC_AUTH) for a local run that has none; the new login, if
    made. Flower shows every command and can run any task, and loopback is open to every local
    user and, through DNS rebinding, to web pages."""
    if env.get("FLOWER_BASIC_AUTH"):
        return None
    env["FLOWER_BASIC_AUTH"] = f"{FLOWER_USER}:{secrets.token_urlsafe(NEW_TOKEN_BYTES)}"
    return env["FLOWER_BASIC_AUTH"]


def fill_in_tokens(env: MutableMapping[str, str]) -> bool:
    """Make JOBLOOK_TOKEN / JOBLOOK_SYNC_TOKEN for a local run that has none; True if it did."""
    if (env.get("JOBLOOK_AUTH") or "token").lower() == "none" or env.get("JOBLOOK_TOKEN"):
        if env.get("JOBLOOK_TOKEN") and not env.get("JOBLOOK_SYNC_TOKEN"):
            env["JOBLOOK_SYNC_TOKEN"] = secrets.token_urlsafe(NEW_TOKEN_BYTES)
        return False
    env["JOBLOOK_TOKEN"] = secrets.token_urlsafe(NEW_TOKEN_BYTES)
    env.setdefault("JOBLOOK_SYNC_TOKEN", secrets.token_urlsafe(NEW_TOKEN_BYTES))
    if not env["JOBLOOK_SYNC_TOKEN"]:
        env["JOBLOOK_SYNC_TOKEN"] = secrets.token_urlsafe(NEW_TOKEN_BYTES)
    return True
