"""Bearer tokens: the user token for the API, pages and Socket.IO; a separate one for /sync.

A token is only enforced when it is configured. Comparisons are constant-time. Browsers present the
user token once as ``?token=`` and keep it in an HttpOnly, SameSite=Strict cookie (see pages.py),
which the API and Socket.IO accept too; /sync takes only its bearer token.

Each blueprint asks for its token once (``protect``); a view that needs none says so (``public``).
The user-facing blueprints know who calls (``caller``: a user, the shared token's admin, or a
user named by a trusted SSO proxy, ``callers.py``), and a view that needs more than the
``viewer`` role says so with ``requires(role)``, for HTTP views and Socket.IO handlers alike.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, Request, current_app, g, request

from joblook import roles
from joblook.settings import Settings
from joblook.store.audit import TOKEN_REFUSED, Audit, Entry
from joblook.store.users import Users
from joblook.web.callers import Caller, Refused, identify
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
    token: Callable[[Settings], str | None] | None = None,
    cookie: bool = True,
    schemes: tuple[str, ...] = ("token", "cookie"),
) -> None:
    """Every view of ``bp`` but the ``public`` ones requires a caller with the role the view
    ``requires`` (by default ``viewer``); with ``token``, that one token instead (see
    ``require``: /sync's), as the document's ``schemes`` describe it."""
    SCHEMES[bp.name] = schemes

    def _require_token() -> None:
        if is_public():
            return
        if token is None:
            view = current_app.view_functions.get(request.endpoint or "")
            enforce(getattr(view, _NEEDS, roles.VIEWER), what)
            return
        settings: Settings = current_app.extensions["joblook.settings"]
        require(request, token(settings), what, cookie)

    bp.before_request(_require_token)


_NEEDS = "joblook_needs_role"


def requires(role: str) -> Callable[[View], View]:
    """A view (of a ``protect``ed blueprint) or Socket.IO handler only callers with ``role`` (or
    a higher one) may use. A blueprint checks it before anything else of the request; the view
    checks again when called, so it holds wherever the view is used. A Socket.IO handler of a
    caller without the role answers ``{"ok": false, "error": ...}``."""
    roles.checked(role)

    def mark(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if getattr(request, "sid", None) is not None and request.namespace is not None:
                who = socket_caller()
                if who is None or not who.may(role):
                    return {"ok": False, "error": f"this needs the {role} role"}
            else:
                enforce(role, "this")
            return view(*args, **kwargs)

        setattr(checked, _NEEDS, role)
        return checked  # type: ignore[return-value]

    return mark


def enforce(role: str, what: str) -> Caller:
    """The request's caller, when they may do what needs ``role``; else a 401 or 403."""
    who = caller(what)
    if not who.may(role):
        raise ApiError(403, f"this needs the {role} role", {"name": who.name, "role": who.role})
    return who


def caller(what: str = "the API") -> Caller:
    """Who sends the current HTTP request (once per request); 401 or 403 when nobody valid."""
    known: Caller | None = g.get("joblook_caller")
    if known is None:
        known = admit(request, user_token(request), what)
        g.joblook_caller = known
    return known


def admit(request: Request, token: str | None, what: str) -> Caller:
    """The caller ``token`` (or the SSO proxy) names; a refused token is audited, with the
    caller's address but never the token."""
    settings: Settings = current_app.extensions["joblook.settings"]
    try:
        return identify(settings, users(), token, request.remote_addr, request.headers)
    except Refused as refused:
        if refused.status == 401:
            raise ApiError(401, f"{what} requires Authorization: Bearer <token>") from None
        audit().add(TOKEN_REFUSED, None, request.remote_addr, path=request.path)
        raise ApiError(403, f"invalid token for {what}") from None


# What each Socket.IO connection (by sid) presented at connect (events.py), in this process only.
SOCKET_CALLERS = "joblook.socket_callers"


@dataclass(frozen=True)
class SocketLogin:
    """The token and SSO header a connection presented, so each event that needs a role checks
    them again: a user removed or given a lesser role loses it on open connections too."""

    token: str | None
    address: str | None
    headers: dict[str, str]


def remember_socket(token: str | None) -> Caller:
    """Admit the connecting Socket.IO client (401/403 as ApiError) and keep its login."""
    who = admit(request, token, "Socket.IO")
    header = current_app.extensions["joblook.settings"].trusted_user_header
    named = {header: request.headers[header]} if header and header in request.headers else {}
    logins: dict[str, SocketLogin] = current_app.extensions[SOCKET_CALLERS]
    logins[request.sid] = SocketLogin(token, request.remote_addr, named)  # type: ignore[attr-defined]
    return who


def socket_caller() -> Caller | None:
    """Who the current Socket.IO connection belongs to, as of now; None if nobody any more."""
    logins: dict[str, SocketLogin] = current_app.extensions[SOCKET_CALLERS]
    login = logins.get(getattr(request, "sid", ""))
    if login is None:
        return None
    settings: Settings = current_app.extensions["joblook.settings"]
    try:
        return identify(settings, users(), login.token, login.address, login.headers)
    except Refused:
        return None


def note(action: str, **about: object) -> None:
    """Add to the audit trail that the current HTTP caller did ``action`` (``store/audit.py``)."""
    audit().write(audit_entry(action, **about))


def audit_entry(action: str, **about: object) -> Entry:
    """The entry :func:`note` writes, for a caller that writes it with what it is about."""
    who = caller()
    return audit().entry(action, who.name, who.address, **about)


def users() -> Users:
    return current_app.extensions["joblook.users"]


def audit() -> Audit:
    return current_app.extensions["joblook.audit"]


def init_app(app: Flask) -> None:
    redis, settings = app.extensions["joblook.store"].redis, app.extensions["joblook.settings"]
    app.extensions["joblook.users"] = Users(redis)
    app.extensions["joblook.audit"] = Audit(redis, settings.audit_ttl)
    app.extensions[SOCKET_CALLERS] = {}

    @app.before_request
    def _options_need_the_token() -> None:
        """OPTIONS gets the token check every other method gets; Flask would answer it before
        any view's check runs. (Nothing here needs it: the API allows no cross-origin calls.)"""
        if request.method == "OPTIONS":
            caller("the API")
