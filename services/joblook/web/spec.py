"""The models at work: ``spec.validate`` checks a request against its view's models (spectree
with pydantic), and the same declarations make ``/openapi.json`` (see openapi.py).

A view declares its models as annotated arguments (``query: PermlogQuery``, ``json: ...``) and its
replies with ``replies``; what every protected or JSON-taking view can answer (401, 403, 413,
415) is added to the document by openapi.py rather than repeated here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from flask import Request
from pydantic import BaseModel, ValidationError
from spectree import Response, SpecTree
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin

from joblook.web import models
from joblook.web.auth import bearer
from joblook.web.errors import ApiError

# When each error is given; a view may say more for its own (``replies``).
ERRORS = {
    400: "Bad input: the error says which.",
    401: "No token.",
    403: "Wrong token, or a role that may not do this.",
    404: "No such task.",
    409: "The task has already ended.",
    413: "Body too large.",
    415: "Wrong Content-Type.",
    503: "The store (Redis) is unavailable; retry later.",
}


def replies(ok: dict[int, type[BaseModel] | None], *errors: int | tuple[int, str]) -> Response:
    """A view's success replies and the errors it gives itself, as spectree describes them."""
    codes: dict[str, Any] = {f"HTTP_{code}": model for code, model in ok.items()}
    for error in errors:
        code, description = error if isinstance(error, tuple) else (error, ERRORS[error])
        codes[f"HTTP_{code}"] = (models.Error, description)
    return Response(**codes)


def strict_json(data: bytes) -> object:
    """Decode a request body, refusing what Python's json would let through to fail later.

    Flask's parser (the json module) accepts NaN and Infinity, decodes a lone surrogate
    (``"\\ud800"``) into a string that no encoder can write back (to Redis, to a reply), and
    overflows the stack on deep nesting: each was a 500. orjson refuses all three.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400,
            "the body is not valid JSON (strict: UTF-8 without lone surrogates, no NaN or"
            " Infinity, at most 1024 levels of nesting)",
            str(exc),
        ) from None


def refusal(exc: ValidationError) -> ApiError:
    """The 400 for a request a model refused: its first error, naming the field as sent."""
    error = exc.errors(include_url=False)[0]
    loc = error["loc"]
    # A union's tag comes first in loc ("cmd", "cmd"); the field is the last name, then indexes.
    names = [i for i, part in enumerate(loc) if isinstance(part, str)]
    name = (
        "".join(str(part) if isinstance(part, str) else f"[{part}]" for part in loc[names[-1] :])
        if names
        else ""
    )
    if error["type"] == models.TOO_MANY:
        return ApiError(413, error["msg"], error.get("ctx", {}).get("detail"))
    item = _batch_index(loc)
    if item is not None:  # one of a batch's items: say which (the field is the item's own)
        name = name if name != "batch" else "item"
        return _refused(error, name, {"index": item}, f"item {item}: ")
    return _refused(error, name)


def _refused(
    error: Any, name: str, detail: dict[str, object] | None = None, prefix: str = ""
) -> ApiError:
    if error["type"] == "missing":
        return ApiError(400, f"{prefix}{name} is required", detail)
    if error["type"] == "unknown_keys":
        return ApiError(
            400, prefix + error["msg"], {**error.get("ctx", {}).get("detail"), **(detail or {})}
        )
    if error["type"] == models.REFUSED:
        return ApiError(400, prefix + error["msg"].replace("{name}", name), detail)
    return ApiError(400, f"{prefix}{name}: {error['msg']}", detail)


def _batch_index(loc: tuple[int | str, ...]) -> int | None:
    """The index of the batch item an error is in, if it is in one."""
    for part, after in itertools.pairwise(loc):
        if part == "batch" and isinstance(after, int):
            return after
    return None


class StrictFlask(FlaskPlugin):
    """spectree's Flask plugin, with joblook's input rules: JSON bodies only (415), parsed
    strictly by orjson (400), every refusal in the one error shape; and replies left as the view
    made them (tests hold them to the document: validating each at run time only costs)."""

    def request_validation(  # noqa: PLR0917 (spectree's signature)
        self, request: Request, query: Any, json: Any, form: Any, headers: Any, cookies: Any
    ) -> None:
        body = None
        if json is not None and _empty_body_allowed(request, json):
            body = {}  # a re-run as it was: `curl -X POST -H "Authorization: Bearer …" …/rerun`
        elif json is not None:
            if not request.is_json:
                raise ApiError(415, "send a JSON body with Content-Type: application/json")
            body = strict_json(request.get_data())
        try:
            request.context = Context(  # type: ignore[attr-defined]
                query.model_validate(request.args.to_dict()) if query else None,
                json.model_validate(body) if json else None,
                None,
                None,
                None,
            )
        except ValidationError as exc:
            raise refusal(exc) from None

    def validate_response(
        self, resp: Any, resp_model: Any, skip_validation: bool, force_resp_serialize: bool
    ) -> tuple[Any, None]:
        return resp, None  # Flask makes the response from what the view returned


def _empty_body_allowed(request: Request, model: Any) -> bool:
    """No body means ``{}`` for a model that says so, when the request could not have come from
    another site's page: it is JSON, or carries a bearer token. (A bodiless POST is a "simple"
    request a foreign page may send without asking; with ``JOBLOOK_AUTH=none`` only the JSON
    content type, which needs CORS' consent, keeps such pages out.)"""
    optional = getattr(model, "BODY_OPTIONAL", False)
    return optional and not request.get_data() and (request.is_json or bearer(request) is not None)


spec = SpecTree(
    backend=StrictFlask,
    validation_error_status=400,
    validation_error_model=models.Error,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    title="joblook",
)

View = TypeVar("View", bound=Callable[..., Any])
_RAW = "joblook_raw_content"
_ACCEPTS = "joblook_accepts"


def other_content(
    status: int, *media_types: str, headers: dict[str, str] | None = None
) -> Callable:
    """Document a reply that is not a model's JSON (a page, text, a stream) for ``status``."""

    def mark(view: View) -> View:
        entries = getattr(view, _RAW, [])
        setattr(view, _RAW, [*entries, (status, media_types, headers or {})])
        return view

    return mark


def accepts(*media_types: str) -> Callable:
    """Document that the view's JSON body may also come as these types (NDJSON, say)."""

    def mark(view: View) -> View:
        setattr(view, _ACCEPTS, media_types)
        return view

    return mark


def raw_content(view: Callable) -> list[tuple[int, tuple[str, ...], dict[str, str]]]:
    """What ``other_content`` declared on ``view``."""
    return getattr(view, _RAW, [])


def accepted(view: Callable) -> tuple[str, ...]:
    """What ``accepts`` declared on ``view``."""
    return getattr(view, _ACCEPTS, ())
