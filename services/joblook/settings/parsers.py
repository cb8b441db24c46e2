"""How a setting's text becomes its value. Each parser takes the variable's name and its text
(never empty: an empty variable counts as unset) and returns the value, or None for "the
default"; a text it cannot use raises :class:`SettingsError` naming the variable."""

from __future__ import annotations

import ipaddress
import math
import re
import socket
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from joblook.queuenames import valid_queue

Parser = Callable[[str, str], Any]


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable."""


def text(name: str, raw: str) -> str:
    return raw


def fernet_key(name: str, raw: str) -> str:
    """A Fernet key: 32 bytes in URL-safe base64."""
    from cryptography.fernet import Fernet  # noqa: PLC0415  (only where the setting is set)

    try:
        Fernet(raw.encode())
    except ValueError:
        raise SettingsError(
            f"{name} must be a Fernet key (32 bytes in URL-safe base64); "
            "make one with `joblook secrets keygen`"
        ) from None
    return raw


def upper(name: str, raw: str) -> str:
    return raw.upper()


def flag(name: str, raw: str) -> bool:
    """1, true or yes (any case) is on; anything else is off."""
    return raw.lower() in ("1", "true", "yes")


def path(name: str, raw: str) -> Path:
    return Path(raw)


def absolute_path(name: str, raw: str) -> Path:
    return Path(raw).absolute()


def names(name: str, raw: str) -> list[str]:
    """A comma-separated list; blanks around and between the commas are dropped."""
    return [part for part in (p.strip() for p in raw.split(",")) if part]


def names_or_default(name: str, raw: str) -> list[str] | None:
    """As :func:`names`; a list with nothing in it means the default."""
    return names(name, raw) or None


def choice(*allowed: str) -> Parser:
    """One of ``allowed``, in any case."""

    def parse(name: str, raw: str) -> str:
        value = raw.lower()
        if value not in allowed:
            quoted = " or ".join(f"'{a}'" for a in allowed)
            raise SettingsError(f"{name} must be {quoted}, got {value!r}")
        return value

    return parse


def one_of(*allowed: str) -> Parser:
    """One of ``allowed``, in any case (the message lists them)."""

    def parse(name: str, raw: str) -> str:
        value = raw.lower()
        if value not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    return parse


def networks(name: str, raw: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or CIDR blocks (``10.0.0.0/8,::1``)."""
    try:
        return [ipaddress.ip_network(part, strict=False) for part in names(name, raw)]
    except ValueError as exc:
        raise SettingsError(
            f"{name} must be addresses or CIDR blocks, comma-separated: {exc}"
        ) from None


def pattern(name: str, raw: str) -> re.Pattern[str]:
    try:
        return re.compile(raw)
    except re.error as exc:
        raise SettingsError(f"{name} is not a valid regular expression: {exc}") from None


def integer(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def count(name: str, raw: str) -> int:
    """A whole number above zero."""
    value = integer(name, raw)
    if value < 1:
        raise SettingsError(f"{name} must be a whole number above zero, got {value}")
    return value


def queue_limits(name: str, raw: str) -> dict[str, int]:
    """``gpu=2,batch=8``: a queue's name and the most of its tasks that run at once."""
    limits: dict[str, int] = {}
    for item in names(name, raw):
        queue, _eq, limit = item.partition("=")
        queue = queue.strip()
        if not valid_queue(queue):
            raise SettingsError(f"{name}: {queue!r} is no queue name (letters, digits, _ and -)")
        limits[queue] = count(f"{name} ({queue})", limit.strip())
    return limits


def byte_cap(name: str, raw: str) -> int | None:
    """A whole number of bytes above zero; 0 means the default."""
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise SettingsError(f"{name} must be a whole number of bytes (0: the default), got {raw!r}")
    return value or None


def seconds(name: str, raw: str) -> float:
    """Finite seconds above zero."""
    return _seconds(name, raw, allow_zero=False)


def seconds_or_zero(name: str, raw: str) -> float:
    """Finite seconds, zero or more."""
    return _seconds(name, raw, allow_zero=True)


def _seconds(name: str, raw: str, *, allow_zero: bool) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise SettingsError(f"{name} must be a number of seconds, {least}, got {raw!r}")
    return value


def http_url(name: str, raw: str) -> str:
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http:// or https:// address, got {raw!r}")
    return raw


def base_url(name: str, raw: str) -> str:
    """An http(s) address without a trailing slash, so paths can follow it."""
    return http_url(name, raw).rstrip("/")


def default_public_url(host: str, port: int) -> str:
    """Where people reach the web when JOBLOOK_PUBLIC_URL does not say: its host and port."""
    if host in ("0.0.0.0", "::"):  # every interface: the machine's name reaches one of them
        host = socket.getfqdn()
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def artifacts_url(name: str, raw: str) -> str:
    """``s3://bucket/prefix``, ``file:///dir`` or an absolute directory."""
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme == "s3" and parts.netloc:
        return raw
    if parts.scheme == "file" and parts.path.startswith("/"):
        return raw
    if not parts.scheme and raw.startswith("/"):
        return raw
    raise SettingsError(f"{name} must be s3://bucket/prefix or an absolute directory, got {raw!r}")


def apprise_urls(name: str, raw: str) -> list[str]:
    """Apprise URLs (``scheme://...``) separated by spaces or newlines."""
    urls = raw.split()
    for url in urls:
        if "://" not in url:  # the value may hold credentials: say which one, not what it is
            raise SettingsError(f"{name}: item {urls.index(url) + 1} is no Apprise URL (scheme://)")
    return urls
