"""``joblook users add | list | remove | token | role``: accounts from the command line (admins),
through the API like every client command, so the server checks the caller's role."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from joblook.client.api import Client
from joblook.roles import ROLES


def add(client: Client, args: argparse.Namespace) -> int:
    _print_token(client.call("POST", "/users", {"name": args.name, "role": args.role}))
    return 0


def list_users(client: Client, args: argparse.Namespace) -> int:
    reply = client.call("GET", "/users")
    if args.json:
        print(json.dumps(reply, indent=2))
        return 0
    print(f"{'NAME':32}  {'ROLE':8}  ADDED")
    for user in reply["users"]:
        print(f"{user['name']:32}  {user['role']:8}  {user['added_at'][:19].replace('T', ' ')}")
    print(f"(users the SSO proxy names who have no role of their own: {reply['sso_default_role']})")
    return 0


def remove(client: Client, args: argparse.Namespace) -> int:
    client.call("DELETE", f"/users/{client.quoted(args.name)}")
    print(f"removed {args.name}", file=sys.stderr)
    return 0


def token(client: Client, args: argparse.Namespace) -> int:
    _print_token(client.call("POST", f"/users/{client.quoted(args.name)}/token", {}))
    return 0


def role(client: Client, args: argparse.Namespace) -> int:
    reply = client.call("PATCH", f"/users/{client.quoted(args.name)}", {"role": args.role})
    print(f"{reply['name']} is now {reply['role']}", file=sys.stderr)
    return 0


def _print_token(reply: dict[str, Any]) -> None:
    """The token alone on stdout (for scripts); what it is on stderr."""
    print(f"token for {reply['name']} ({reply['role']}), shown this once:", file=sys.stderr)
    print(reply["token"])


def add_parser(sub: Any, epilog: str) -> None:
    """``joblook users ...`` and its own subcommands."""
    parser = sub.add_parser("users", help="manage users and their roles (admins)", epilog=epilog)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("add", epilog=epilog, help="add a user; prints their new token")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.set_defaults(run=add)
    p = actions.add_parser("list", aliases=["ls"], epilog=epilog, help="list users and roles")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=list_users)
    p = actions.add_parser("remove", aliases=["rm"], epilog=epilog, help="remove a user")
    p.add_argument("name")
    p.set_defaults(run=remove)
    p = actions.add_parser("token", epilog=epilog, help="give a user a new token (the old dies)")
    p.add_argument("name")
    p.set_defaults(run=token)
    p = actions.add_parser("role", epilog=epilog, help="give a user another role")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.set_defaults(run=role)
