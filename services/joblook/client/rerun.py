"""``joblook rerun ID``: run a task again, as it was or changed, and follow retried tasks.

Changes come as flags (``--cmd``, ``--timeout``, ``--param name=value``...) for scripts, or with
``--edit`` in ``$VISUAL``/``$EDITOR`` on the task's definition as JSON, as ``git commit`` and
``kubectl edit`` do for people at a terminal: what is saved is what runs, and a file saved
unchanged or empty runs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from joblook import record
from joblook.client.api import ApiError, Client

POLL_SECONDS = 0.5  # how often a follower looks for a retried task's next attempt
# Seconds a follower waits for the web to make the next attempt after a failed one (it looks once
# a second); past it, the failure was final (the attempt was cancelled as it failed, say).
SCHEDULE_PATIENCE = 10.0


def rerun(client: Client, args: argparse.Namespace, follow: Any) -> int:
    """Queue the re-run; print its id, or with ``--follow`` its output and exit with its code."""
    if args.edit and args.from_failed:
        raise ApiError("--edit shows the whole definition: edit its steps there, not --from-failed")
    body = _changes(client, args)
    if args.edit:
        body = _edited(client.task(args.task_id).get("definition"), body)
        if body is None:
            print("joblook: nothing changed in the editor; not re-running", file=sys.stderr)
            return 1
    reply = client.rerun(args.task_id, body)
    if not args.follow:
        print(reply["task_id"])
        return 0
    print(f"joblook: task {reply['task_id']}", file=sys.stderr)
    return int(follow(client, reply["task_id"]))


def _changes(client: Client, args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if args.from_failed:
        body["from"] = "failed"
    if args.cmd is not None:
        body["cmd"] = args.cmd
    for flag in ("timeout", "retries", "retry_delay"):
        if getattr(args, flag) is not None:
            body[flag] = getattr(args, flag)
    if args.param:
        # One --param changes one parameter: the others stay as the task had them.
        old = (client.task(args.task_id).get("definition") or {}).get("params") or {}
        body["params"] = old | dict(_param(text) for text in args.param)
    return body


def _param(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise ApiError(f"--param takes NAME=VALUE, not {text!r}")
    try:
        return name, json.loads(raw)  # 5 is a number, "5" a string, a bare word a string
    except ValueError:
        return name, raw


def _edited(definition: dict[str, Any] | None, changes: dict[str, Any]) -> dict[str, Any] | None:
    """The body that makes the re-run what the editor saved; None when nothing changed."""
    if definition is None:
        raise ApiError("this task has no definition to edit (queued before joblook kept them)")
    start = definition | changes
    with tempfile.TemporaryDirectory(prefix="joblook-") as folder:
        path = Path(folder) / "task.json"
        path.write_text(json.dumps(start, indent=2) + "\n", encoding="utf-8")
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        if subprocess.run([*shlex.split(editor), str(path)], check=False).returncode != 0:
            raise ApiError(f"the editor ({editor}) failed; not re-running")
        text = path.read_text(encoding="utf-8")
    if not text.strip():
        return None
    try:
        saved = json.loads(text)
    except ValueError as exc:
        raise ApiError(f"the edited definition is not JSON: {exc}") from None
    if not isinstance(saved, dict):
        raise ApiError("the edited definition must be a JSON object")
    if saved == definition:
        return None
    # The server keeps what a body leaves out: a field deleted in the editor is sent as null.
    return {key: None for key in definition if key not in saved} | saved


def next_attempt(client: Client, ended: dict[str, Any]) -> str | None:
    """After the attempt ``ended`` (its final status record) of a task: the next attempt's id,
    once the web has made it; None when the task has ended for good."""
    task = client.task(ended["task_id"])
    first = task.get("first_attempt") or task["task_id"]
    deadline = time.monotonic() + SCHEDULE_PATIENCE
    while True:
        series = client.task(first)
        attempts = series.get("attempts") or [first]
        retries = series.get("retries") or 0
        position = attempts.index(task["task_id"]) if task["task_id"] in attempts else -1
        if 0 <= position < len(attempts) - 1:
            following = attempts[position + 1]
            due = series.get("next_attempt_at")
            when = f", due {due}" if due else ""
            print(
                f"joblook: attempt {position + 2} of {retries + 1} ({following}){when}",
                file=sys.stderr,
            )
            return str(following)
        failed = ended["state"] == record.State.FAILURE
        if not failed or len(attempts) > retries or time.monotonic() > deadline:
            return None
        time.sleep(POLL_SECONDS)
