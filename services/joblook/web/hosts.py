"""Which Host headers the web answers: the defence against DNS rebinding.

A page on ``rebind.attacker.example`` can have that name resolve to 127.0.0.1 after it has loaded,
and from then on talk to joblook as a same-origin page: its Origin matches its Host, and with
``JOBLOOK_AUTH=none`` nothing else is asked. Only the Host header still names the attacker's domain.
So every request, the Socket.IO handshake and WebSocket upgrade included, must name one of
joblook's own hosts; anything else is refused before Flask or Socket.IO sees it.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from typing import TYPE_CHECKING

import orjson

from joblook.settings import Settings
from joblook.web.errors import error_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Names of this machine that no outside domain can claim.
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Bind addresses that mean "every interface": not a name anyone connects to.
EVERY_INTERFACE = frozenset({"", "0.0.0.0", "::"})
# A DNS name or IPv4 address, or an IPv6 address in brackets, then an optional port.
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9.-]+))(?::[0-9]{1,5})?")


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Loopback names, the bind address, JOBLOOK_PUBLIC_URL's host and JOBLOOK_ALLOWED_HOSTS."""
    names = {*LOCAL_NAMES, *(_normal(name) for name in settings.allowed_hosts)}
    if settings.host not in EVERY_INTERFACE:
        names.add(_normal(settings.host))
    public = urllib.parse.urlsplit(settings.public_url).hostname
    if public:
        names.add(_normal(public))
    return frozenset(names)


def host_name(header: str) -> str | None:
    """The host a Host header names, without its port; None when it is not a host at all."""
    found = _HOST.fullmatch(header.strip().lower())
    if found is None:
        return None
    return _normal(found["ipv6"] or found["name"])


def _normal(name: str) -> str:
    # "localhost." is "localhost"; IPv6 addresses come with or without their brackets.
    return name.strip().lower().rstrip(".").strip("[]")


class HostCheck:
    """WSGI middleware: a request whose Host is not one of ``allowed`` gets 400 "bad host"."""

    def __init__(self, app: WSGIApplication, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        header = environ.get("HTTP_HOST", "")
        if host_name(header) in self.allowed:
            return self.app(environ, start_response)
        detail = (
            f"this server does not answer to the host {header[:200]!r}; "
            "if that is its name, add it to JOBLOOK_ALLOWED_HOSTS"
        )
        body = orjson.dumps(error_body("bad host", detail))
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("400 Bad Request", headers)
        return [body]
