"""``joblook schedule add | ls | pause | resume | rm``: schedules from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
from typing import Any

from joblook.client import launchflags
from joblook.client.api import ApiError, Client


def add(client: Client, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"cron": args.cron} if args.cron else {"every": args.every}
    if args.job:
        if args.cmd:
            raise ApiError("give either --job or a command after --, not both")
        body |= {"job": args.job, "params": dict(_param(p) for p in args.param)}
    elif args.cmd:
        body["cmd"] = args.cmd[0] if len(args.cmd) == 1 else shlex.join(args.cmd)
    else:
        raise ApiError("give a command after -- (or --job NAME)")
    for key in ("name", "timeout", "timezone"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    if args.paused:
        body["paused"] = True
    body |= launchflags.fields(args)
    made = client.add_schedule(body)
    print(made["schedule_id"])
    return 0


def _param(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep:
        raise ApiError(f"--param takes NAME=VALUE, not {text!r}")
    try:
        return name, json.loads(value)  # 3 -> 3, "x" stays text below
    except ValueError:
        return name, value


def ls(client: Client, args: argparse.Namespace) -> int:
    reply = client.schedules()
    if args.json:
        print(json.dumps(reply, indent=2))
        return 0
    now = dt.datetime.now(dt.UTC)
    print(f"{'SCHEDULE ID':36}  {'STATE':6}  {'NEXT RUN':16}  {'LAST':8}  NAME (WHEN)")
    for s in reply["schedules"]:
        state = "paused" if s["paused"] else "active"
        runs = s["last_runs"]
        last = (runs[0]["state"] or "-") if runs else ""
        following = _in_words(s["next_runs"][0], now) if s["next_runs"] else "-"
        line = f"{s['schedule_id']:36}  {state:6}  {following:16}  {last:8}  {s['name']}"
        retried = f", {s['retries']} retries" if s.get("retries") else ""
        print(f"{line} ({s['description']}{retried})")
    if reply["schedulers"] == 0:
        print("joblook: no scheduler is running: nothing will fire (see `joblook scheduler`)")
    return 0


def _in_words(stamp: str, now: dt.datetime) -> str:
    seconds = (dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) - now).total_seconds()
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"in {seconds / size:.0f} {unit}"
    return f"in {max(seconds, 0):.0f} s"


def pause(client: Client, args: argparse.Namespace) -> int:
    return _show(client.change_schedule(args.schedule_id, {"paused": True}))


def resume(client: Client, args: argparse.Namespace) -> int:
    return _show(client.change_schedule(args.schedule_id, {"paused": False}))


def rm(client: Client, args: argparse.Namespace) -> int:
    return _show(client.delete_schedule(args.schedule_id))


def _show(reply: dict[str, Any]) -> int:
    print(json.dumps(reply, indent=2))
    return 0


def add_parser(sub: Any, epilog: str) -> None:
    """``joblook schedule ...`` and its own subcommands."""
    parser = sub.add_parser(
        "schedule", help="run commands on a cron expression or an interval", epilog=epilog
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser(
        "add",
        epilog=epilog,
        help="add a schedule: --cron EXPR or --every S, then -- CMD...",
        description="Times are UTC unless --timezone names another zone.",
    )
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR", help='five fields, e.g. "0 3 * * *", or @daily')
    when.add_argument("--every", type=float, metavar="S", help="every S seconds")
    p.add_argument("--name", help="how lists show it (default: the command)")
    p.add_argument("--timeout", type=float, metavar="S", help="kill each run after S seconds")
    p.add_argument("--timezone", metavar="ZONE", help="IANA zone for --cron (default UTC)")
    p.add_argument("--paused", action="store_true", help="create it paused")
    launchflags.add(p)
    launchflags.add_retries(p)
    p.add_argument("--job", metavar="NAME", help="a named job instead of a command")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="a job parameter")
    p.add_argument("cmd", nargs="*", metavar="CMD", help="the command (put it after --)")
    p.set_defaults(run=add)
    p = actions.add_parser("ls", epilog=epilog, help="list schedules with their next runs")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=ls)
    for name, run, text in (
        ("pause", pause, "stop firing it until resumed"),
        ("resume", resume, "fire it again (from the next due time)"),
        ("rm", rm, "delete it (tasks it started stay)"),
    ):
        p = actions.add_parser(name, epilog=epilog, help=text)
        p.add_argument("schedule_id")
        p.set_defaults(run=run)  # fmt: skip
