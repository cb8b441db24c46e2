"""Who a request comes from: a user token, the shared ``JOBLOOK_TOKEN`` (the admin of a
one-person setup), or a user a trusted single-sign-on proxy names."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from joblook import roles
from joblook.settings import Settings
from joblook.store.users import ANONYMOUS, NAME, RESERVED, SHARED_ADMIN, Users

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    name: str
    role: str
    address: str | None = None

    def may(self, needed: str) -> bool:
        return roles.allows(self.role, needed)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}


class Refused(Exception):
    """No caller: ``status`` 401 (nothing presented) or 403 (a token nobody holds)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def identify(
    settings: Settings,
    users: Users,
    token: str | None,
    address: str | None,
    headers: Mapping[str, str],
) -> Caller:
    """The caller, from what the request carries; Refused when it carries nothing valid."""
    if settings.token is None:  # JOBLOOK_AUTH=none
        return Caller(ANONYMOUS, roles.ADMIN, address)
    named = sso_user(settings, address, headers)
    if named is not None:
        user = users.get(named)
        role = user.role if user else users.sso_role(settings.sso_default_role)
        return Caller(named, role, address)
    if token is None:
        raise Refused(401)
    if _same(token, settings.token):
        return Caller(SHARED_ADMIN, roles.ADMIN, address)
    user = users.by_token(token)
    if user is None:
        raise Refused(403)
    return Caller(user.name, user.role, address)


def sso_user(settings: Settings, address: str | None, headers: Mapping[str, str]) -> str | None:
    """The user the SSO proxy names, when the request comes from a trusted proxy and the name is
    one a user may have; None otherwise (the request then needs a token)."""
    header, proxies = settings.trusted_user_header, settings.trusted_proxies
    if not header or not proxies or not address:
        return None
    named = headers.get(header)
    if not named or not _from(address, proxies):
        return None
    if not NAME.fullmatch(named) or named in RESERVED:
        log.warning("the SSO proxy named an unusable user %r: ignored", named[:100])
        return None
    return named


def _from(address: str, proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
