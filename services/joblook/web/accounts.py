"""``/me``, ``/users`` and ``/audit``: who am I, manage users and their roles (admins), and the
audit trail (admins). The admin page (``/users`` page, ``web/static/users.js``) and ``joblook
users`` both use these."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, current_app

from joblook.roles import ADMIN
from joblook.settings import Settings
from joblook.store import audit
from joblook.store.users import UserError
from joblook.web import auth
from joblook.web.accountmodels import (
    AUDIT_MAX,
    AuditList,
    AuditQuery,
    Me,
    NewUser,
    Removed,
    RoleChange,
    UserList,
    UserWithToken,
)
from joblook.web.accountmodels import User as UserReply
from joblook.web.errors import ApiError
from joblook.web.spec import replies, spec

bp = Blueprint("accounts", __name__)
auth.protect(bp, "the API")

UNKNOWN = (404, "No such user.")
BAD_NAME = (400, "A name no user can have, or bad input.")


@bp.get("/me")
@spec.validate(resp=replies({200: Me}), tags=["accounts"])
def me() -> dict[str, object]:
    """Who you are to joblook, and your role (what the pages show and offer follows from it)."""
    return auth.caller().to_json()


@bp.get("/users")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: UserList}, 503), tags=["accounts"])
def list_users() -> dict[str, object]:
    """Every user, by name, and the role of users the SSO proxy names who have none."""
    users = auth.users()
    return {
        "users": [user.to_json() for user in users.all()],
        "sso_default_role": users.sso_role(_settings().sso_default_role),
    }


@bp.post("/users")
@auth.requires(ADMIN)
@spec.validate(
    resp=replies({201: UserWithToken}, (409, "The name is taken or reserved."), 503),
    tags=["accounts"],
)
def add_user(json: NewUser) -> tuple[dict[str, object], int]:
    """Add a user with a role; the reply holds their token, shown this once."""
    token = _done(lambda: auth.users().add(json.name, json.role))
    auth.note(audit.USER_ADD, user=json.name, role=json.role)
    return _user(json.name) | {"token": token}, 201


@bp.patch("/users/<name>")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: UserReply}, BAD_NAME, UNKNOWN, 503), tags=["accounts"])
def change_role(name: str, json: RoleChange) -> dict[str, object]:
    """Give a user another role; it holds from their next request."""
    user = _done(lambda: auth.users().set_role(name, json.role))
    auth.note(audit.USER_ROLE, user=name, role=json.role)
    return user.to_json()


@bp.post("/users/<name>/token")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: UserWithToken}, BAD_NAME, UNKNOWN, 503), tags=["accounts"])
def new_token(name: str) -> dict[str, object]:
    """Give a user a new token (shown this once); the old one stops working at once."""
    token = _done(lambda: auth.users().new_token(name))
    auth.note(audit.USER_TOKEN, user=name)
    return _user(name) | {"token": token}


@bp.delete("/users/<name>")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: Removed}, BAD_NAME, UNKNOWN, 503), tags=["accounts"])
def remove_user(name: str) -> dict[str, object]:
    """Remove a user; their token stops working at once (the tasks they started stay)."""
    _done(lambda: auth.users().remove(name))
    auth.note(audit.USER_REMOVE, user=name)
    return {"name": name, "removed": True}


@bp.put("/users/sso-default-role")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: RoleChange}, 503), tags=["accounts"])
def set_sso_role(json: RoleChange) -> dict[str, object]:
    """Set the role of users the SSO proxy names who have none of their own (over
    `JOBLOOK_SSO_DEFAULT_ROLE`)."""
    auth.users().set_sso_role(json.role)
    auth.note(audit.SSO_ROLE, role=json.role)
    return {"role": json.role}


@bp.get("/audit")
@auth.requires(ADMIN)
@spec.validate(resp=replies({200: AuditList}, 503), tags=["accounts"])
def audit_trail(query: AuditQuery) -> dict[str, object]:
    """Every run, cancel, re-run, schedule change, user change and refused token, newest first,
    each kept for `JOBLOOK_AUDIT_TTL` seconds. `before` (an entry's `time`) pages further back.
    A refused token is never written down, only where it came from."""
    limit = min(query.limit, AUDIT_MAX)
    return {"entries": auth.audit().entries(limit, query.before)}


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _user(name: str) -> dict[str, object]:
    user = auth.users().get(name)
    if user is None:  # removed in between
        raise ApiError(404, f"there is no user {name!r}")
    return user.to_json()


T = TypeVar("T")


def _done(action: Callable[[], T]) -> T:
    """``action``'s result; its UserError as the API's error."""
    try:
        return action()
    except UserError as exc:
        raise ApiError(exc.status, str(exc)) from None
