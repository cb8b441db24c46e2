"""Bearer tokens: the user token for the API, pages and Socket.IO; a separate one for /sync.

A token is only enforced when it is configured. Comparisons are constant-time.
"""

from __future__ import annotations

import hmac

from flask import Request

from joblook.web.errors import ApiError


def bearer(request: Request) -> str | None:
    """The token sent as ``Authorization: Bearer <token>``, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def require(request: Request, expected: str | None, what: str) -> None:
    """Refuse the request unless it carries ``expected`` (a no-op when no token is configured)."""
    if expected is None:
        return
    given = bearer(request)
    if given is None:
        raise ApiError(401, f"{what} requires Authorization: Bearer <token>")
    if not matches(given, expected):
        raise ApiError(403, f"invalid token for {what}")
