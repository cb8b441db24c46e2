"""Browser pages and their assets. Library files come from npm (web/node_modules), never a CDN."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from joblook.settings import Settings
from joblook.web import validation

bp = Blueprint("pages", __name__)

# The few library files pages may load, by the name they are served under.
VENDOR = {
    "socket.io.esm.min.js": "socket.io-client/dist/socket.io.esm.min.js",
}


def _web_dir() -> Path:
    settings: Settings = current_app.extensions["joblook.settings"]
    return settings.web_dir


@bp.get("/")
def home() -> Response:
    return send_from_directory(_web_dir() / "pages", "index.html")


@bp.get("/task")
def task_page() -> Response:
    validation.task_id(request.args.get("task_id"))
    return send_from_directory(_web_dir() / "pages", "task.html")


@bp.get("/static/<path:name>")
def static(name: str) -> Response:
    return send_from_directory(_web_dir() / "static", name)


@bp.get("/vendor/<name>")
def vendor(name: str) -> Response:
    path = VENDOR.get(name)
    if path is None:
        abort(404)
    return send_from_directory(_web_dir() / "node_modules", path)
