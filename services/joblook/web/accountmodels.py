"""The shapes of ``/users``, ``/me`` and ``/audit`` (schemas of ``/openapi.json`` too)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from joblook.roles import ROLES
from joblook.store.users import NAME
from joblook.web.models import Shape, Stamp, choice, query_int

Role: Any = choice(ROLES)
UserName: Any = Field(
    pattern=f"^{NAME.pattern}$",
    description="Letters, digits and `. _ @ + -`, at most 100 characters.",
)
AUDIT_MAX = 1000


class Me(Shape):
    """Who the request's token (or the SSO proxy) says the caller is."""

    name: str
    role: Role


class User(Shape):
    name: str
    role: Role
    added_at: Stamp


class UserList(Shape):
    users: list[User]
    sso_default_role: Role = Field(
        description="The role of users the SSO proxy names who have none."
    )


class NewUser(Shape):
    name: str = UserName
    role: Role


class UserWithToken(User):
    token: str = Field(description="Shown this once: joblook keeps only its digest.")


class RoleChange(Shape):
    role: Role


class Removed(Shape):
    name: str
    removed: bool


class AuditQuery(BaseModel):
    limit: query_int(1) = Field(  # type: ignore[valid-type]
        100, description=f"At most this many (and never more than {AUDIT_MAX})."
    )
    before: float | None = Field(None, description="Only entries before this `time`.")


class AuditEntry(BaseModel):
    """One thing someone did (or a refused token): ``action``, the ``actor``'s name (null for a
    refused token), their ``address``, and what it was done to (``task_id``, ``schedule_id``,
    ``user``, ``role``...)."""

    id: str
    at: Stamp
    time: float
    action: str
    actor: str | None
    address: str | None
    model_config = {"extra": "allow"}


class AuditList(Shape):
    entries: list[AuditEntry] = Field(description="Newest first.")
