"""The three roles and what each may do, defined once: the web checks them, the CLI and the
admin page offer them, and the docs' table of who may do what is tested against them.

Roles are ordered: each may do all that the ones before it may.
"""

from __future__ import annotations

ROLES = ("viewer", "operator", "admin")
"""``viewer`` reads and follows; ``operator`` also runs, re-runs and cancels; ``admin`` also
manages users, schedules and secrets."""

VIEWER, OPERATOR, ADMIN = ROLES


class RoleError(ValueError):
    """A role name that is not one of ``ROLES``."""


def checked(role: object) -> str:
    """``role`` when it names a role; RoleError (with the names allowed) otherwise."""
    if not isinstance(role, str) or role not in ROLES:
        raise RoleError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def allows(role: str, needed: str) -> bool:
    """Whether someone with ``role`` may do what needs ``needed``."""
    return ROLES.index(role) >= ROLES.index(needed)
