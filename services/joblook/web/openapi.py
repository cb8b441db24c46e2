"""``GET /openapi.json``: the HTTP API as OpenAPI 3.1, built from the views' models.

spectree makes each operation from its view: the summary and description from the docstring, the
parameters, body and replies from the models the view validates with (models.py, spec.py). This
module adds what follows from the routes' place rather than from a model: who may call them (each
blueprint's token, ``auth.protect``) and so their 401 and 403, a JSON body's 413 and 415, the
path's task id, and replies that are not JSON.
"""

from __future__ import annotations

import copy
import re
from importlib.metadata import version
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app

from joblook.web import auth, models
from joblook.web.spec import ERRORS, accepted, other_content, raw_content, replies, spec

# Not "openapi": spectree leaves out endpoints named so (its own document's).
bp = Blueprint("document", __name__)

# Served files, not API: the scripts and styles the pages load. (Socket.IO is not a Flask route.)
# secrets.malformed: the 400 for a secret's name with a "/" (or none), which no route could match.
UNDOCUMENTED = frozenset({"pages.static", "secrets.malformed"})

DESCRIPTION = """\
Run shell commands on Celery workers, follow their output live, keep their logs.

Every error is JSON: `{"error": "...", "detail": ...}` (`detail` is optional).
The API and pages need `JOBLOOK_TOKEN`: as a bearer token, or as the `joblook_token` cookie a
page sets when opened once with `?token=`. `/sync` needs `JOBLOOK_SYNC_TOKEN` as a bearer token.
(A server started with `JOBLOOK_AUTH=none`, on loopback only, asks for neither.)

Live output and task changes are Socket.IO events, described in the docs (`docs/protocol.md`),
not in this document.
"""

SECURITY_SCHEMES = {
    "token": {
        "type": "http",
        "scheme": "bearer",
        "description": "JOBLOOK_TOKEN (an admin's), or a user's own token (`joblook users`); "
        "what it may do follows from its role (docs/accounts.md).",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "joblook_token",
        "description": "Set by a page opened with `?token=<JOBLOOK_TOKEN>`.",
    },
    "syncToken": {"type": "http", "scheme": "bearer", "description": "JOBLOOK_SYNC_TOKEN"},
    "metricsToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "JOBLOOK_METRICS_TOKEN, or JOBLOOK_TOKEN when that is unset.",
    },
    "pageToken": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "A token, given once to a page: it becomes the cookie.",
    },
}

# The API's default: the user token, as a bearer token or the pages' cookie. Each operation
# takes its blueprint's schemes (``auth.protect``), or none when its view is ``auth.public``.
DEFAULT_SECURITY = [{"token": []}, {"cookie": []}]

TAGS = [
    {"name": "tasks", "description": "Queue, list, describe and cancel commands."},
    {"name": "schedules", "description": "Run commands on a cron expression or an interval."},
    {"name": "artifacts", "description": "The files a command leaves in `$JOBLOOK_ARTIFACTS`."},
    {"name": "accounts", "description": "Who you are; users and roles; the audit trail."},
    {"name": "secrets", "description": "Named secrets: encrypted at rest, masked in output."},
    {"name": "logs", "description": "A task's output: the permanent log and its live stream."},
    {"name": "ingest", "description": "Records from the shipper or Fluentd."},
    {"name": "pages", "description": "The browser pages and the libraries they load."},
    {"name": "service", "description": "Health, settings and this document."},
]

# The schema of each reply that is not a model's JSON.
_RECORDS = {"$ref": "#/components/schemas/Record"}
MEDIA_SCHEMAS: dict[str, dict[str, Any]] = {
    "application/x-ndjson": {
        "description": "One record per line.",
        "type": "array",
        "items": _RECORDS,
    },
    "application/json": {"type": "object"},
}
_TEXT = {"type": "string"}


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every route of ``app`` except UNDOCUMENTED ones."""
    document = copy.deepcopy(spec.spec)
    document["info"] = {
        "title": "joblook",
        "version": version("joblook"),
        "description": DESCRIPTION,
    }
    document["servers"] = [{"url": "/"}]
    document["tags"] = TAGS
    document["security"] = DEFAULT_SECURITY
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    task_id = models.TaskIdQuery.model_json_schema()["properties"]["task_id"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED:  # spectree documents every route it finds
            document["paths"].pop(spec.backend.parse_path(rule, None)[0], None)
            continue
        item = document["paths"][document_path(rule.rule)]
        view = app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.partition(".")[0]
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            _complete(item[method.lower()], view, auth.SCHEMES.get(blueprint, ()), task_id)
    return document


def document_path(rule: str) -> str:
    """A Flask rule as the document names its path: <task_id> and <path:name> become {task_id}
    and {name}, as spectree writes them."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _complete(
    operation: dict[str, Any], view: Any, schemes: tuple[str, ...], task_id: dict[str, Any]
) -> None:
    """Add to a spectree operation what its view's place says (see the module's docstring)."""
    operation.pop("operationId", None)
    for key in ("summary", "description"):
        operation[key] = operation.get(key, "").replace("``", "`")
    if not operation["description"]:
        del operation["description"]
    for parameter in operation["parameters"]:
        if parameter["in"] == "path" and parameter["name"] in ("task_id", "schedule_id"):
            parameter["schema"] = task_id
    responses = operation["responses"]
    for code in _errors(operation, view, schemes):
        responses.setdefault(str(code), _error(ERRORS[code]))
    if "400" in responses:
        responses["400"]["description"] = ERRORS[400]  # spectree's is "Bad Request"
    for status, media_types, headers in raw_content(view):
        reply = responses[str(status)]
        content = reply.setdefault("content", {})
        for media_type in media_types:
            content[media_type] = {"schema": MEDIA_SCHEMAS.get(media_type, _TEXT)}
        if headers:
            reply["headers"] = {
                name: {"description": text, "schema": _TEXT} for name, text in headers.items()
            }
    operation["responses"] = dict(sorted(responses.items()))


def _errors(operation: dict[str, Any], view: Any, schemes: tuple[str, ...]) -> list[int]:
    """Set the operation's security; the errors that its token and its body can give."""
    errors: list[int] = []
    security = [{scheme: []} for scheme in schemes]
    if auth.is_public(view) or not schemes:
        operation["security"] = []
    else:
        errors += [401, 403]
        if security != DEFAULT_SECURITY:
            operation["security"] = security
    body = operation.get("requestBody")
    if body is not None:
        errors += [413, 415]
        for media_type in accepted(view):
            body["content"][media_type] = body["content"]["application/json"]
    elif not operation["parameters"]:
        operation["responses"].pop("400", None)  # nothing to send wrong
    return errors


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@bp.get("/openapi.json")
@auth.public
@spec.validate(resp=replies({200: None}), tags=["service"])
@other_content(200, "application/json")
def openapi() -> Response:
    """This document: the HTTP API as OpenAPI 3.1."""
    cached: bytes | None = current_app.extensions.get("joblook.openapi")
    if cached is None:
        cached = orjson.dumps(build(current_app))
        current_app.extensions["joblook.openapi"] = cached
    return Response(cached, mimetype="application/json")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
