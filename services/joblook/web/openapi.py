"""``GET /openapi.json``: the HTTP API as OpenAPI 3.1, built from the Flask routes.

Each view's docstring holds its operation as YAML after a ``---`` line (read by apispec's
FlaskPlugin); the text before it becomes the summary and description. The schemas, shared
responses and parameters the docstrings name are defined once, here. The records' fields come from
the record module's dataclasses.
"""

from __future__ import annotations

import dataclasses
import inspect
from importlib.metadata import version
from typing import Any

import orjson
from apispec import APISpec, BasePlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, Flask, Response, current_app

from joblook import record
from joblook.record import State
from joblook.web import api, launch

bp = Blueprint("openapi", __name__)

# Served files, not API: the scripts and styles the pages load. (Socket.IO is not a Flask route.)
UNDOCUMENTED = frozenset({"pages.static"})

DESCRIPTION = """\
Run shell commands on Celery workers, follow their output live, keep their logs.

Every error is JSON: `{"error": "...", "detail": ...}` (`detail` is optional).
The API and pages need `JOBLOOK_TOKEN`: as a bearer token, or as the `joblook_token` cookie a
page sets when opened once with `?token=`. `/sync` needs `JOBLOOK_SYNC_TOKEN` as a bearer token.
(A server started with `JOBLOOK_AUTH=none`, on loopback only, asks for neither.)

Live output and task changes are Socket.IO events, described in the README (not in this document).
"""

TAGS = [
    {"name": "tasks", "description": "Queue, list, describe and cancel commands."},
    {"name": "logs", "description": "A task's output: the permanent log and its live stream."},
    {"name": "ingest", "description": "Records from the shipper or Fluentd."},
    {"name": "pages", "description": "The browser pages and the libraries they load."},
    {"name": "service", "description": "Health, settings and this document."},
]

_UUID = {
    "type": "string",
    "format": "uuid",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    "description": "A canonical (lower-case, hyphenated) UUID.",
}
_EXIT_CODE = {
    "type": ["integer", "null"],
    "format": "int64",
    "description": "Null until the task ends.",
}
_STAMP = {
    "type": ["string", "null"],
    "description": "ISO 8601 UTC, e.g. `2026-11-22T02:13:00.123456Z`.",
}
_COUNT = {"type": "integer", "minimum": 0}

# What each record field holds; which fields each kind of record has comes from its dataclass.
_RECORD_FIELDS: dict[str, dict[str, Any]] = {
    "task_id": _UUID,
    "seq": {
        "type": "integer",
        "format": "int64",
        "minimum": 1,
        "description": "1, 2, 3... per task, no gaps.",
    },
    "time": {
        "type": "string",
        "pattern": f"^{record.TIME_PATTERN}$",
        "description": "When it was written: UTC to the microsecond.",
        "example": "2026-11-22T02:13:00.123456Z",
    },
    "stream": {"type": "string"},
    "log": {"type": "string", "description": "A raw chunk of output, terminator included."},
    "state": "State",
    "exit_code": _EXIT_CODE,
}


def _record(kind: type, streams: list[str], description: str) -> dict[str, Any]:
    names = [field.name for field in dataclasses.fields(kind)]
    properties = {name: _RECORD_FIELDS[name] for name in names}
    properties["stream"] = {**_RECORD_FIELDS["stream"], "enum": streams}
    return {
        "type": "object",
        "description": description,
        "required": names,
        "properties": properties,
        "additionalProperties": False,
    }


_COMMAND = {
    "type": "string",
    "minLength": 1,
    "pattern": "\\S",
    "description": "Run with `/bin/sh -c`.",
    "example": "ls -al",
}
_TIMEOUT = {
    "type": "number",
    "exclusiveMinimum": 0,
    "exclusiveMaximum": 1_000_000_000,
    "description": "Seconds after which the command is killed (it ends FAILURE).",
}


def _enqueue_form(key: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key],
        "properties": {key: value, "timeout": _TIMEOUT},
        "additionalProperties": False,
    }


_STEPS = {"type": "array", "items": _COMMAND, "minItems": 1, "maxItems": api.MAX_STEPS}

_JOB_FORM = {
    "type": "object",
    "required": ["job"],
    "properties": {
        "job": {"type": "string", "description": "A job's name from JOBLOOK_JOBS_FILE."},
        "params": {"type": "object", "description": "Its parameters, checked by their types."},
        "timeout": _TIMEOUT,
    },
    "additionalProperties": False,
}

# A task as TaskInfo.to_json() gives it (plus the cancel request GET /tasks/{task_id} adds).
_TASK: dict[str, Any] = {
    "task_id": _UUID,
    "cmd": {"type": ["string", "null"], "description": "A parent's joins its steps'."},
    "state": "State",
    "exit_code": _EXIT_CODE,
    "created_at": _STAMP,
    "started_at": _STAMP,
    "finished_at": _STAMP,
    "worker": {"type": ["string", "null"]},
    "records": {**_COUNT, "description": "Records stored so far."},
    "bytes": {**_COUNT, "description": "Output bytes stored so far."},
    "message": {"type": ["string", "null"], "description": "The last status note."},
    "timeout": {"type": ["number", "null"]},
    "kind": {"type": "string", "enum": list(launch.KINDS), "description": "A parent's."},
    "steps": {"type": "array", "items": _UUID, "description": "A parent's."},
    "parent": {**_UUID, "description": "A step's chain or group."},
    "progress": {
        "type": ["number", "null"],
        "minimum": 0,
        "maximum": 1,
        "description": "How far along the output says the task is (a tqdm bar, a percentage, "
        '`{"progress": 0.4}`); null until it says.',
    },
    "eta_seconds": {
        "type": ["number", "null"],
        "minimum": 0,
        "description": "Seconds left, as of the latest progress (the program's own estimate, "
        "else the rate so far); null when unknown and once the task has ended.",
    },
    "last_output_at": {**_STAMP, "description": "When the task last printed something."},
    "cancel_requested": {
        "type": ["object", "null"],
        "description": "Who asked to cancel the unfinished task, and when (by id only).",
        "required": ["by", "at"],
        "properties": {"by": {"type": "string"}, "at": {"type": "string"}},
        "additionalProperties": False,
    },
}
_TASK_SOMETIMES = frozenset({"kind", "steps", "parent", "cancel_requested"})

SCHEMAS: dict[str, dict[str, Any]] = {
    "State": {"type": "string", "enum": [s.value for s in State]},
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "What went wrong, for people."},
            "detail": {"description": "Any JSON value that says more (optional)."},
        },
        "additionalProperties": False,
    },
    "OutputRecord": _record(record.OutputRecord, [record.STDOUT, record.STDERR], "Output."),
    "StatusRecord": _record(record.StatusRecord, [record.STATUS], "A change of task state."),
    "Record": {"oneOf": ["OutputRecord", "StatusRecord"]},
    "EnqueueRequest": {
        "description": "Exactly one of `cmd`, `job` (with `params`), `chain` (in order) or "
        "`group` (in parallel).",
        "oneOf": [_enqueue_form("cmd", _COMMAND), _JOB_FORM]
        + [_enqueue_form(kind, _STEPS) for kind in launch.KINDS],
    },
    "JobList": {
        "type": "object",
        "required": ["jobs"],
        "properties": {"jobs": {"type": "array", "items": {"type": "object"}}},
        "additionalProperties": False,
    },
    "EnqueueReply": {
        "type": "object",
        "required": ["task_id"],
        "properties": {
            "task_id": {**_UUID, "description": "The task; for a chain or group, the parent."},
            "steps": {"type": "array", "items": _UUID, "description": "A chain's or group's."},
        },
        "additionalProperties": False,
    },
    "Task": {
        "type": "object",
        "required": [name for name in _TASK if name not in _TASK_SOMETIMES],
        "properties": _TASK,
        "additionalProperties": False,
    },
    "TaskList": {
        "type": "object",
        "required": ["tasks"],
        "properties": {"tasks": {"type": "array", "items": "Task"}},
        "additionalProperties": False,
    },
    "CancelReply": {
        "type": "object",
        "required": ["task_id", "cancel_requested"],
        "properties": {
            "task_id": _UUID,
            "cancel_requested": {"type": "array", "items": _UUID, "description": "The tasks."},
        },
        "additionalProperties": False,
    },
    "Permlog": {
        "type": "object",
        "required": ["task_id", "state", "exit_code", "last_seq", "records"],
        "properties": {
            "task_id": _UUID,
            "state": "State",
            "exit_code": _EXIT_CODE,
            "last_seq": {**_COUNT, "description": "The seq of the last stored record."},
            "records": {"type": "array", "items": "Record"},
        },
        "additionalProperties": False,
    },
    "SyncReply": {
        "type": "object",
        "required": ["received", "stored"],
        "properties": {
            "received": _COUNT,
            "stored": {**_COUNT, "description": "New ones; duplicates are skipped."},
        },
        "additionalProperties": False,
    },
    "Health": {
        "type": "object",
        "required": ["ok", "redis", "workers"],
        "properties": {
            "ok": {"const": True},
            "redis": {"const": "ok"},
            "workers": {
                **_COUNT,
                "description": "Workers that answered the latest ping (every 2 s).",
            },
        },
        "additionalProperties": False,
    },
    "Config": {
        "type": "object",
        "required": ["flower_url", "stall_seconds", "states", "terminal_states"],
        "properties": {
            "flower_url": {"type": "string"},
            "states": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Every task state, in lifecycle order.",
            },
            "terminal_states": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The states a task ends in.",
            },
            "stall_seconds": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "A running task silent this long may be stalled "
                "(JOBLOOK_STALL_SECONDS).",
            },
        },
        "additionalProperties": False,
    },
    "Metrics": {
        "type": "object",
        "required": ["series"],
        "properties": {
            "series": {
                "type": "object",
                "description": "Series name -> its points, oldest first.",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "description": "`[step, value]`",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
            }
        },
        "additionalProperties": False,
    },
}

# Every error response, by status: its component name and when it is given.
ERRORS = {
    400: ("BadRequest", "Bad input: the error says which."),
    401: ("Unauthorized", "No token."),
    403: ("Forbidden", "Wrong token."),
    404: ("NotFound", "No such task (for /vendor, no such file)."),
    409: ("Conflict", "The task has already ended."),
    413: ("PayloadTooLarge", "Body too large."),
    415: ("UnsupportedMediaType", "Wrong Content-Type."),
    503: ("Unavailable", "The store (Redis) is unavailable; retry later."),
}

PARAMETERS = {
    "TaskIdInPath": {"in": "path", "name": "task_id", "required": True, "schema": _UUID},
    "TaskIdInQuery": {"in": "query", "name": "task_id", "required": True, "schema": _UUID},
}

SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer", "description": "JOBLOOK_TOKEN"},
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "joblook_token",
        "description": "Set by a page opened with `?token=<JOBLOOK_TOKEN>`.",
    },
    "syncToken": {"type": "http", "scheme": "bearer", "description": "JOBLOOK_SYNC_TOKEN"},
    "pageToken": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "JOBLOOK_TOKEN, given once to a page: it becomes the cookie.",
    },
}

# A page opened with ?token= answers with this redirect.
TOKEN_TAKEN = {
    "description": "The same address without `token`; the token is now the `joblook_token` "
    "cookie (HttpOnly, SameSite=Strict).",
    "headers": {
        "Location": {"schema": {"type": "string"}},
        "Set-Cookie": {"schema": {"type": "string"}},
    },
    "content": {"text/html": {"schema": {"type": "string"}}},
}


class DocstringText(BasePlugin):
    """Takes each operation's summary and description from its view's docstring, above ``---``."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        if not operations:
            return
        doc = inspect.getdoc(kwargs["view"]) or ""
        summary, _, rest = doc.split("\n---")[0].replace("``", "`").partition("\n\n")
        text = {"summary": " ".join(summary.split())}
        if rest.strip():
            text["description"] = rest.strip()
        for method, operation in operations.items():
            operations[method] = text | operation  # text first, as readers expect; the YAML wins


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every route of ``app`` except UNDOCUMENTED ones."""
    spec = APISpec(
        title="joblook",
        version=version("joblook"),
        openapi_version="3.1.0",
        plugins=[FlaskPlugin(), DocstringText()],
        info={"description": DESCRIPTION},
        servers=[{"url": "/"}],
        # The API's default; public operations and /sync say otherwise.
        security=[{"token": []}, {"cookie": []}],
    )
    for tag in TAGS:
        spec.tag(tag)
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for name, description in ERRORS.values():
        spec.components.response(
            name, {"description": description, "content": {"application/json": {"schema": "Error"}}}
        )
    spec.components.response("PageTokenTaken", TOKEN_TAKEN)
    for name, parameter in PARAMETERS.items():
        spec.components.parameter(name, parameter["in"], parameter)
    by_path = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, "GET" not in r.methods))
    for rule in by_path:
        if rule.endpoint not in UNDOCUMENTED:
            spec.path(view=app.view_functions[rule.endpoint], app=app)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi() -> Response:
    """This document: the HTTP API as OpenAPI 3.1.
    ---
    get:
      tags: [service]
      security: []
      responses:
        200:
          description: The OpenAPI document.
          content:
            application/json:
              schema: {type: object}
    """
    cached: bytes | None = current_app.extensions.get("joblook.openapi")
    if cached is None:
        cached = orjson.dumps(build(current_app))
        current_app.extensions["joblook.openapi"] = cached
    return Response(cached, mimetype="application/json")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
