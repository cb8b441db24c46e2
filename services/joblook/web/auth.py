"""Bearer tokens: the user token for the API, pages and Socket.IO; a separate one for /sync.

A token is only enforced when it is configured. Comparisons are constant-time. Browsers present the
user token once as ``?token=`` and keep it in an HttpOnly, SameSite=Strict cookie (see pages.py),
which the API and Socket.IO accept too; /sync takes only its bearer token.

Each blueprint asks for its token once (``protect``); a view that needs none says so (``public``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Flask, Request, current_app, request

from joblook.settings import Settings
from joblook.web.errors import ApiError


def bearer(request: Request) -> str | None:
    """The token sent as ``Authorization: Bearer <token>``, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


COOKIE = "joblook_token"


def user_token(request: Request) -> str | None:
    """The user token a request carries: a bearer header, else the pages' cookie."""
    return bearer(request) or request.cookies.get(COOKIE) or None


def matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def require(request: Request, expected: str | None, what: str, cookie: bool = True) -> None:
    """Refuse the request unless it carries ``expected`` (a no-op when no token is configured)."""
    if expected is None:
        return
    given = user_token(request) if cookie else bearer(request)
    if given is None:
        raise ApiError(401, f"{what} requires Authorization: Bearer <token>")
    if not matches(given, expected):
        raise ApiError(403, f"invalid token for {what}")


View = TypeVar("View", bound=Callable[..., object])
_PUBLIC = "joblook_public"


def public(view: View) -> View:
    """Mark a view of a protected blueprint that anyone may call (health, the document, files)."""
    setattr(view, _PUBLIC, True)
    return view


def is_public(view: Callable[..., object] | None = None) -> bool:
    """Whether ``view`` (by default the current request's) is marked ``public``."""
    if view is None:
        view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, _PUBLIC, False)


# The tokens each protected blueprint takes, by their OpenAPI security scheme names (openapi.py
# defines the schemes); a blueprint not here has no views that need a token.
SCHEMES: dict[str, tuple[str, ...]] = {}


def protect(
    bp: Blueprint,
    what: str,
    token: Callable[[Settings], str | None] = lambda settings: settings.token,
    cookie: bool = True,
    schemes: tuple[str, ...] = ("token", "cookie"),
) -> None:
    """Every view of ``bp`` but the ``public`` ones requires ``token`` (see ``require``), as
    the document's ``schemes`` describe it."""
    SCHEMES[bp.name] = schemes

    def _require_token() -> None:
        if not is_public():
            settings: Settings = current_app.extensions["joblook.settings"]
            require(request, token(settings), what, cookie)

    bp.before_request(_require_token)


def init_app(app: Flask) -> None:
    @app.before_request
    def _options_need_the_token() -> None:
        """OPTIONS gets the token check every other method gets; Flask would answer it before
        any view's check runs. (Nothing here needs it: the API allows no cross-origin calls.)"""
        if request.method == "OPTIONS":
            require(request, current_app.extensions["joblook.settings"].token, "the API")
