"""``/secrets``: set, list and delete the named secrets commands get as environment variables.

Values go in and never come out: the list gives names and when each was set. The values are
encrypted in Redis (``store/secrets.py``) and masked in every output (``worker/masking.py``).
"""

from __future__ import annotations

from flask import Blueprint, current_app
from pydantic import ValidationError

from joblook.roles import ADMIN
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.store.secrets import NO_KEY, SecretStore
from joblook.web import auth
from joblook.web.errors import ApiError
from joblook.web.secretmodels import (
    SecretDeleted,
    SecretInfo,
    SecretList,
    SecretNamePath,
    SecretRequest,
)
from joblook.web.spec import refusal, replies, spec

bp = Blueprint("secrets", __name__)
auth.protect(bp, "the secrets")  # and every view is for admins only (requires(ADMIN))

BAD_NAME = (400, "A name that is not 1 to 64 capitals, digits or _ (it changes nothing).")


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _secrets() -> SecretStore:
    store: LogStore = current_app.extensions["joblook.store"]
    return SecretStore(store.redis, _settings().secret_key)


@bp.get("/secrets")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: SecretList}, 503), tags=["secrets"])
def list_secrets() -> dict[str, object]:
    """Every secret's name and when it was set; never a value."""
    listed = [{"name": s.name, "set_at": s.set_at} for s in _secrets().listed()]
    return {"secrets": listed, "key_set": _settings().secret_key is not None}


@bp.put("/secrets/<name>")
@auth.requires(ADMIN)
@spec.validate(
    resp=replies(
        {200: SecretInfo}, BAD_NAME, (409, "JOBLOOK_SECRET_KEY is not set on the web."), 503
    ),
    tags=["secrets"],
)
def put_secret(name: str, json: SecretRequest) -> dict[str, object]:
    """Set a secret (or replace its value); commands that ask for it by name get it as an
    environment variable, masked as `***` in their output."""
    _check_name(name)
    if _settings().secret_key is None:
        raise ApiError(
            409,
            NO_KEY,
            "set JOBLOOK_SECRET_KEY (make one with `joblook secrets keygen`) on the web and on "
            "every worker, then restart them",
        )
    listed = _secrets().put(name, json.value)
    return {"name": listed.name, "set_at": listed.set_at}


@bp.delete("/secrets/<name>")
@auth.requires(ADMIN)
@spec.validate(
    resp=replies({200: SecretDeleted}, BAD_NAME, (404, "No such secret."), 503),
    tags=["secrets"],
)
def delete_secret(name: str) -> dict[str, object]:
    """Delete a secret; tasks that ask for it afterwards are refused (400), queued ones fail."""
    _check_name(name)
    if not _secrets().delete(name):
        raise ApiError(404, "unknown secret", {"name": name})
    return {"name": name, "deleted": True}


@bp.route("/secrets/", methods=["PUT", "DELETE"], defaults={"rest": ""})
@bp.route("/secrets/<path:rest>", methods=["PUT", "DELETE"])
@auth.requires(ADMIN)
def malformed(rest: str) -> None:
    """A name with a ``/`` in it, or none: the 400 a bad name gets, not the router's 404/405."""
    _check_name(rest)
    raise AssertionError("unreachable: no valid name has a /")  # pragma: no cover


def _check_name(name: str) -> None:
    try:
        SecretNamePath(name=name)
    except ValidationError as exc:
        raise refusal(exc) from None
