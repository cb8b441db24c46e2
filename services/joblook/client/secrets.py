"""``joblook secrets set | ls | rm | keygen``: named secrets from the command line.

A value is never an argument (it would be in the shell's history and in ``ps``): ``set`` reads it
from stdin when that is a pipe or a file, else asks for it without echo.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, TextIO

from joblook.client.api import ApiError, Client


def read_value(stdin: TextIO, name: str) -> str:
    """The value from ``stdin`` (one trailing newline dropped, as ``echo`` adds one), or asked for
    without echo when ``stdin`` is a terminal."""
    if stdin.isatty():
        return getpass.getpass(f"value of {name}: ")
    value = stdin.read()
    return value[:-1] if value.endswith("\n") else value


def put(client: Client, args: argparse.Namespace) -> int:
    value = read_value(sys.stdin, args.name)
    if not value:
        raise ApiError("no value given: pipe it in, or type it when asked")
    made = client.put_secret(args.name, value)
    print(f"{made['name']} set at {made['set_at']}")
    return 0


def ls(client: Client, args: argparse.Namespace) -> int:
    reply = client.secrets()
    if args.json:
        print(json.dumps(reply, indent=2))
        return 0
    for secret in reply["secrets"]:
        print(f"{secret['name']:64}  {secret['set_at']}")
    if not reply["key_set"]:
        print("joblook: JOBLOOK_SECRET_KEY is not set on the web: secrets cannot be set")
    return 0


def rm(client: Client, args: argparse.Namespace) -> int:
    client.delete_secret(args.name)
    print(f"{args.name} deleted")
    return 0


def keygen(client: Client, args: argparse.Namespace) -> int:
    from joblook.store.secrets import new_key  # noqa: PLC0415  (cryptography only for this one)

    print(new_key())
    return 0


def add_parser(sub: Any, epilog: str) -> None:
    """``joblook secrets ...`` and its own subcommands."""
    parser = sub.add_parser(
        "secrets", help="named secrets commands get as environment variables", epilog=epilog
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser(
        "set",
        epilog=epilog,
        help="set a secret: its value from stdin, or typed when asked (never an argument)",
    )
    p.add_argument("name", help="e.g. DB_PASSWORD: capitals, digits and _")
    p.set_defaults(run=put)
    p = actions.add_parser("ls", aliases=["list"], epilog=epilog, help="list names (no values)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=ls)
    p = actions.add_parser("rm", epilog=epilog, help="delete a secret")
    p.add_argument("name")
    p.set_defaults(run=rm)
    p = actions.add_parser("keygen", epilog=epilog, help="print a new JOBLOOK_SECRET_KEY")
    p.set_defaults(run=keygen)
