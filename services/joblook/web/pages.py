"""Browser pages and their assets. Library files come from npm (web/node_modules), never a CDN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, current_app, redirect, request, send_from_directory

from joblook.record import TERMINAL_STATES, State
from joblook.settings import Settings
from joblook.web import auth, validation
from joblook.web.errors import ApiError

bp = Blueprint("pages", __name__)

# The few library files pages may load, by the name they are served under.
VENDOR = {
    "socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
    "xterm.mjs": "@xterm/xterm/lib/xterm.mjs",
    "xterm.css": "@xterm/xterm/css/xterm.css",
    "addon-search.mjs": "@xterm/addon-search/lib/addon-search.mjs",
    "addon-fit.mjs": "@xterm/addon-fit/lib/addon-fit.mjs",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "uPlot.esm.js": "uplot/dist/uPlot.esm.js",
    "uPlot.min.css": "uplot/dist/uPlot.min.css",
}


def _web_dir() -> Path:
    settings: Settings = current_app.extensions["joblook.settings"]
    return settings.web_dir


@bp.get("/")
def home() -> Response:
    """The home page: launch a command, watch recent tasks.
    ---
    get:
      tags: [pages]
      security: [{token: []}, {cookie: []}, {pageToken: []}]
      responses:
        200:
          description: The page.
          content:
            text/html:
              schema: {type: string}
        302: PageTokenTaken
        401: Unauthorized
        403: Forbidden
    """
    return _page("index.html")


@bp.get("/task")
def task_page() -> Response:
    """A task's page: its live output.
    ---
    get:
      tags: [pages]
      security: [{token: []}, {cookie: []}, {pageToken: []}]
      parameters: [TaskIdInQuery]
      responses:
        200:
          description: The page.
          content:
            text/html:
              schema: {type: string}
        302: PageTokenTaken
        400: BadRequest
        401: Unauthorized
        403: Forbidden
    """
    return _page("task.html", check=lambda: validation.task_id(request.args.get("task_id")))


@bp.get("/docs")
def docs() -> Response:
    """This API's reference, interactive (Swagger UI on /openapi.json).
    ---
    get:
      tags: [pages]
      security: [{token: []}, {cookie: []}, {pageToken: []}]
      responses:
        200:
          description: The page.
          content:
            text/html:
              schema: {type: string}
        302: PageTokenTaken
        401: Unauthorized
        403: Forbidden
    """
    return _page("docs.html")


@bp.get("/config")
def config() -> dict[str, object]:
    """What the pages need to know about this deployment.
    ---
    get:
      tags: [service]
      responses:
        200:
          description: Settings for the pages.
          content:
            application/json:
              schema: Config
        401: Unauthorized
        403: Forbidden
    """
    settings: Settings = current_app.extensions["joblook.settings"]
    auth.require(request, settings.token, "the API")
    return {
        "flower_url": flower_url(settings),
        "stall_seconds": settings.stall_seconds,
        # The pages' only copy of the task states (web/static/states.js): from the record.
        "states": [state.value for state in State],
        "terminal_states": sorted(TERMINAL_STATES),
    }


def flower_url(settings: Settings) -> str:
    """JOBLOOK_FLOWER_URL, else Flower's port on JOBLOOK_PUBLIC_URL's host: from settings only,
    never from the request's Host header, which the client chooses."""
    if settings.flower_url:
        return settings.flower_url
    host = urlsplit(settings.public_url).hostname or "localhost"
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.flower_port}/"


def _page(name: str, check: Callable[[], object] | None = None) -> Response:
    """Serve a page; a ``?token=`` is swapped for a cookie and removed from the address bar.

    ``check`` validates the page's query, and only runs for an authenticated caller: someone
    without the token learns nothing, not even whether their query was well formed.
    """
    settings: Settings = current_app.extensions["joblook.settings"]
    expected = settings.token
    given = request.args.get("token")
    if given is not None:
        if expected is not None and not auth.matches(given, expected):
            raise ApiError(403, "invalid token")
        query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
        response = redirect(request.path + (f"?{query}" if query else ""))
        # Secure when people reach joblook over https: the cookie then never travels in clear.
        secure = urlsplit(settings.public_url).scheme == "https"
        response.set_cookie(auth.COOKIE, given, httponly=True, samesite="Strict", secure=secure)
        return response
    auth.require(request, expected, "this page (open it once with ?token=...)")
    if check is not None:
        check()
    return send_from_directory(_web_dir() / "pages", name)


@bp.get("/static/<path:name>")
def static(name: str) -> Response:
    return send_from_directory(_web_dir() / "static", name)


@bp.get("/vendor/<name>")
def vendor(name: str) -> Response:
    """A library file a page loads, from npm (never a CDN).
    ---
    get:
      tags: [pages]
      security: []
      parameters:
        - in: path
          name: name
          required: true
          schema: {type: string}
      responses:
        200:
          description: The file.
          content:
            text/javascript:
              schema: {type: string}
            application/javascript:
              schema: {type: string}
            text/css:
              schema: {type: string}
        404: NotFound
    """
    path = VENDOR.get(name)
    if path is None:
        abort(404)
    return send_from_directory(_web_dir() / "node_modules", path)
