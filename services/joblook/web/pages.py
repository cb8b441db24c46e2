"""Browser pages and their assets. Library files come from npm (web/node_modules), never a CDN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, current_app, redirect, request, send_from_directory

from joblook.roles import ADMIN
from joblook.settings import Settings
from joblook.web import auth
from joblook.web.models import TaskIdQuery
from joblook.web.spec import other_content, replies, spec

bp = Blueprint("pages", __name__)
View = TypeVar("View", bound=Callable[..., Response])

# A page opened with ?token= answers with a redirect that sets the cookie.
TOKEN_TAKEN = (None, "The same address without `token`; the token is now a cookie.")
TOKEN_TAKEN_HEADERS = {
    "Location": "The same address without `token`.",
    "Set-Cookie": "The token, now the `joblook_token` cookie (HttpOnly, SameSite=Strict).",
}

# The few library files pages may load, by the name they are served under.
VENDOR = {
    "socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
    "ansi_up.js": "ansi_up/ansi_up.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "uPlot.esm.js": "uplot/dist/uPlot.esm.js",
    "uPlot.min.css": "uplot/dist/uPlot.min.css",
}


def page(view: View) -> View:
    """Document a page: HTML, or the redirect that takes its ``?token=``."""
    described = other_content(302, "text/html", headers=TOKEN_TAKEN_HEADERS)(
        other_content(200, "text/html")(view)
    )
    return spec.validate(resp=replies({200: None, 302: TOKEN_TAKEN}), tags=["pages"])(described)


def _web_dir() -> Path:
    settings: Settings = current_app.extensions["joblook.settings"]
    return settings.web_dir


@bp.get("/")
@page
def home() -> Response:
    """The home page: launch a command, watch recent tasks."""
    return _page("index.html")


@bp.get("/task")
@page
def task_page(query: TaskIdQuery) -> Response:  # the query is checked, then unused here
    """A task's page: its live output."""
    return _page("task.html")


@bp.get("/accounts")
@auth.requires(ADMIN)
@page
def accounts() -> Response:
    """The admin page: users and their roles, and the audit trail (admins only)."""
    return _page("accounts.html")


@bp.get("/sweep")
@page
def sweep_page(query: TaskIdQuery) -> Response:  # the query is checked, then unused here
    """A sweep's page (or a chain's or group's): its runs as a live table."""
    return _page("sweep.html")


@bp.get("/docs")
@page
def docs() -> Response:
    """This API's reference, interactive (Swagger UI on /openapi.json)."""
    return _page("docs.html")


@bp.before_request
def _take_page_token() -> Response | None:
    """A page opened with ``?token=``: the token becomes a cookie and leaves the address bar."""
    given = request.args.get("token")
    if given is None or auth.is_public():
        return None
    settings: Settings = current_app.extensions["joblook.settings"]
    auth.admit(request, given, "this page")  # a token nobody holds is refused (and audited)
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
    response = redirect(request.path + (f"?{query}" if query else ""))
    # Secure when people reach joblook over https: the cookie then never travels in clear.
    secure = urlsplit(settings.public_url).scheme == "https"
    response.set_cookie(auth.COOKIE, given, httponly=True, samesite="Strict", secure=secure)
    return response


# After the token swap above: blueprint hooks run in the order they were added.
auth.protect(
    bp, "this page (open it once with ?token=...)", schemes=("token", "cookie", "pageToken")
)


def _page(name: str) -> Response:
    # Views (and so their query's checks) run only for an authenticated caller: someone without
    # the token learns nothing, not even whether their query was well formed.
    return send_from_directory(_web_dir() / "pages", name)


@bp.get("/static/<path:name>")
@auth.public
def static(name: str) -> Response:
    return send_from_directory(_web_dir() / "static", name)


@bp.get("/vendor/<name>")
@auth.public
@spec.validate(resp=replies({200: None}, (404, "No such file.")), tags=["pages"])
@other_content(200, "text/javascript", "application/javascript", "text/css")
def vendor(name: str) -> Response:
    """A library file a page loads, from npm (never a CDN)."""
    path = VENDOR.get(name)
    if path is None:
        abort(404)
    return send_from_directory(_web_dir() / "node_modules", path)
