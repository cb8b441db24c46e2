"""``joblook submit | logs | ls | status | cancel | rerun | schedule | secrets``: scripts' way in.

Exit codes scripts can rely on: ``submit --follow`` exits with the task's own exit code (1 if it
ended without one, e.g. cancelled before it started); every other command exits 0 on success;
1 means the API refused or could not be reached; 2 is a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from typing import Any

from joblook import record
from joblook.client import batchfile, launchflags, rerun, schedules, secrets, users
from joblook.client.api import DEFAULT_URL, ApiError, Client
from joblook.client.batchfile import BatchFileError

EPILOG = (
    f"Reads JOBLOOK_URL (default {DEFAULT_URL}) and JOBLOOK_TOKEN from the environment "
    "(--token overrides the latter); what a token may do depends on its user's role "
    "(docs/accounts.md)."
)


def submit(client: Client, args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.cmd or args.follow:
            raise BatchFileError("--batch takes no command and no --follow")
        return submit_batch(client, args.batch, args.timeout)
    if not args.cmd:
        raise BatchFileError("give the command (CMD) after --, or --batch FILE")
    words: list[str] = args.cmd
    cmd = words[0] if len(words) == 1 else shlex.join(words)
    task_id = client.enqueue(cmd, timeout=args.timeout, **launchflags.fields(args))
    if not args.follow:
        print(task_id)
        return 0
    print(f"joblook: task {task_id}", file=sys.stderr)
    return follow_output(client, task_id)


def submit_batch(client: Client, path: str, timeout: float | None) -> int:
    """Queue every task of a batch file (``-``: stdin), 10,000 per request; print their ids."""
    with sys.stdin if path == "-" else open(path, encoding="utf-8") as lines:
        for chunk in batchfile.chunks(batchfile.items(lines)):
            body: dict[str, Any] = {"batch": chunk}
            if timeout is not None:
                body["timeout"] = timeout
            print("\n".join(client.enqueue_json(body)["task_ids"]), flush=True)
    return 0


def run(client: Client, args: argparse.Namespace) -> int:
    """Run a named job once, or (``--sweep``) once per combination of the swept values."""
    body: dict[str, Any] = {"job": args.job}
    params = batchfile.assignments(args.param, many=False)
    if params:
        body["params"] = params
    if args.sweep:
        body["sweep"] = batchfile.assignments(args.sweep, many=True)
    if args.timeout is not None:
        body["timeout"] = args.timeout
    reply = client.enqueue_json(body)
    print(reply["task_id"])
    if args.sweep:
        print(f"joblook: {len(reply['steps'])} runs: {client.base_url}/sweep?task_id="
              f"{reply['task_id']}", file=sys.stderr)  # fmt: skip
    return 0


def logs(client: Client, args: argparse.Namespace) -> int:
    if args.grep is not None:
        return grep(client, args)
    final = _print_records(client, args.task_id, follow=args.follow)
    return 0 if final is None or not args.follow else exit_code_of(final)


def grep(client: Client, args: argparse.Namespace) -> int:
    """The lines of the output that match, as ``grep -n`` prints them (``N:line``), searched on
    the server: escapes are ignored while matching and kept in what is printed."""
    for match in client.search(args.task_id, args.grep, regex=args.regex, case=args.case):
        print(f"{match['n']}:{match['text']}")
    return 0


def follow_output(client: Client, task_id: str) -> int:
    """Print the task's output live, a retried task's attempt after attempt; its exit code."""
    attempt: str | None = task_id
    while attempt is not None:
        final = _print_records(client, attempt, follow=True)
        if final is None:  # the stream ended without a final status (e.g. the server went away)
            raise ApiError(f"the log stream of {attempt} ended before the task did")
        attempt = rerun.next_attempt(client, final)
    return exit_code_of(final)


def _print_records(client: Client, task_id: str, follow: bool) -> dict[str, Any] | None:
    """Print output (stderr to stderr); return the final status record, if one arrived."""
    final = None
    for rec in client.records(task_id, follow=follow):
        if rec["stream"] == record.STATUS:
            if rec["state"] in record.TERMINAL_STATES:
                final = rec
            continue
        out = sys.stderr if rec["stream"] == record.STDERR else sys.stdout
        out.write(rec["log"])
        out.flush()
    return final


def exit_code_of(status: dict[str, Any]) -> int:
    if status["state"] == record.State.SUCCESS:
        return 0
    code = status.get("exit_code")
    return code if isinstance(code, int) and code != 0 else 1


def ls(client: Client, args: argparse.Namespace) -> int:
    tasks = client.tasks(limit=args.limit, state=args.state, grep=args.grep, output=args.output)
    if args.json:
        print(json.dumps(tasks, indent=2))
        return 0
    print(f"{'TASK ID':36}  {'STATE':8}  {'EXIT':>4}  {'CREATED':19}  {'BY':16}  COMMAND")
    for task in tasks:
        exit_code = "" if task["exit_code"] is None else str(task["exit_code"])
        created = (task["created_at"] or "")[:19].replace("T", " ")
        by = (task.get("submitted_by") or "")[:16]
        cmd = (task["cmd"] or "").replace("\n", " ")
        print(
            f"{task['task_id']:36}  {task['state']:8}  {exit_code:>4}  {created:19}  {by:16}  "
            f"{cmd[:60]}"
        )
    return 0


def status(client: Client, args: argparse.Namespace) -> int:
    print(json.dumps(client.task(args.task_id), indent=2))
    return 0


def cancel(client: Client, args: argparse.Namespace) -> int:
    reply = client.cancel(args.task_id)
    print(json.dumps(reply, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="joblook", epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "submit",
        help="run a command",
        epilog=EPILOG,
        description="Queue a command. One word after -- is a shell command as is "
        "(pipes welcome); several words are quoted so the shell sees exactly them.",
    )
    p.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="print the output live (stderr to stderr) and exit with its exit code",
    )
    p.add_argument("--timeout", type=float, metavar="S", help="kill it after S seconds")
    launchflags.add(p)
    launchflags.add_retries(p)
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="queue a task per line of FILE (- for stdin): a shell command, or a JSON item like "
        '{"job": "train", "params": {"lr": 0.1}}; prints their ids',
    )
    p.add_argument("cmd", nargs="*", metavar="CMD", help="the command (put it after --)")
    p.set_defaults(run=submit)
    p = sub.add_parser(
        "run",
        help="run a named job, or sweep its parameters",
        epilog=EPILOG,
        description="Queue a named job (GET /jobs lists them). Each --sweep NAME=V1,V2 adds a "
        "swept parameter: one run per combination, under a parent whose id is printed.",
    )
    p.add_argument("job")
    p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--sweep", "-s", action="append", default=[], metavar="NAME=V1,V2")
    p.add_argument("--timeout", type=float, metavar="S", help="kill each run after S seconds")
    p.set_defaults(run=run)
    p = sub.add_parser("logs", help="print a task's output", epilog=EPILOG)
    p.add_argument("task_id")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing until it ends")
    p.add_argument(
        "--grep",
        "-g",
        metavar="PATTERN",
        help="print only the lines that match, numbered (plain text, any case)",
    )
    p.add_argument("--regex", "-E", action="store_true", help="PATTERN is a regex (RE2)")
    p.add_argument("--case", "-s", action="store_true", help="with --grep: case matters")
    p.set_defaults(run=logs)
    p = sub.add_parser("ls", help="list recent tasks, newest first", epilog=EPILOG)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--state", help="only tasks in this state (e.g. STARTED)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--grep", "-g", metavar="TEXT", help="only tasks whose command contains TEXT (any case)"
    )
    p.add_argument("--output", action="store_true", help="with --grep: or whose output contains it")
    p.set_defaults(run=ls)
    p = sub.add_parser(
        "status", aliases=["show"], help="show what is known about a task", epilog=EPILOG
    )
    p.add_argument("task_id")
    p.set_defaults(run=status)
    p = sub.add_parser("cancel", help="cancel a task (kills its whole process tree)", epilog=EPILOG)
    p.add_argument("task_id")
    p.set_defaults(run=cancel)
    _rerun_parser(sub)
    schedules.add_parser(sub, EPILOG)
    users.add_parser(sub, EPILOG)
    secrets.add_parser(sub, EPILOG)
    _add_token_option(parser)
    return parser  # fmt: skip


def _add_token_option(parser: argparse.ArgumentParser) -> None:
    """``--token`` on every command that calls the API (the leaves: a subcommand's parser would
    overwrite the value its parent parsed with its own default)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        parser.add_argument("--token", help="the API token (default: $JOBLOOK_TOKEN)")
    for action in subs:
        for child in {id(p): p for p in action.choices.values()}.values():
            _add_token_option(child)


def _rerun_parser(sub: Any) -> None:
    p = sub.add_parser(
        "rerun",
        help="run a task again, as it was or changed",
        epilog=EPILOG,
        description="Queue a task's definition again (command or job and parameters, chain or "
        "group, timeout, retries). Flags change single fields; --edit opens $VISUAL or $EDITOR "
        "on the whole definition as JSON (save it unchanged or empty to run nothing).",
    )
    p.add_argument("task_id")
    p.add_argument("--edit", "-e", action="store_true", help="edit the definition first")
    p.add_argument("--follow", "-f", action="store_true", help="print its output live")
    p.add_argument(
        "--from-failed",
        action="store_true",
        help="a chain from its failed step, a group's failed steps",
    )
    p.add_argument("--cmd", help="a new shell command")
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="change one job parameter (JSON or text)",
    )
    p.add_argument("--timeout", type=float, metavar="S", help="a new timeout")
    launchflags.add_retries(p)
    p.set_defaults(run=lambda client, args: rerun.rerun(client, args, follow_output))  # fmt: skip


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    token = args.token or os.environ.get("JOBLOOK_TOKEN")
    client = Client(os.environ.get("JOBLOOK_URL") or DEFAULT_URL, token)
    try:
        return int(args.run(client, args))
    except (ApiError, OSError) as exc:
        print(f"joblook: {exc}", file=sys.stderr)
        return 1
    except BatchFileError as exc:
        print(f"joblook: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
