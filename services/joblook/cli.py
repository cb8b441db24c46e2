"""The ``joblook`` command: one entry point for every service, so compose, ``joblook up`` and the
tests all run the same commands.

Imports are deferred into each command on purpose: ``joblook web`` must monkey-patch with eventlet
before anything else imports ``socket``, and the Celery worker must not be patched at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

USAGE = """\
usage: joblook COMMAND [ARGS...]

services:
  up        start everything (Redis unless REDIS_URL is set, web, worker, shipper,
            scheduler, Flower)
  web       the HTTP API, pages and Socket.IO (Flask-SocketIO on eventlet)
  worker    the Celery worker that runs commands (extra arguments go to Celery)
  shipper   ships per-task log files to /sync (the local stand-in for Fluentd)
  flower    Celery's monitoring UI (extra arguments go to Flower)
  scheduler fires the schedules' due times (any number may run at once)
  make-bucket
            make the s3:// artifacts bucket unless it exists (compose's s3 profile)

client (talks to a running joblook over HTTP; see `joblook COMMAND --help`):
  submit    run a command: joblook submit [--follow] [--timeout S] [--secret NAME] -- CMD...
            or many: joblook submit --batch FILE (a command or JSON item per line)
  run       run a named job: joblook run JOB [-p NAME=VALUE] [--sweep NAME=V1,V2 ...]
  logs      print a task's output: joblook logs ID [-f | --grep PATTERN]
  ls        list recent tasks: joblook ls [--grep TEXT [--output]]
  status    show a task
  cancel    cancel a task and kill its process tree
  rerun     run a task again: joblook rerun ID [--edit] [--from-failed] [--follow]
  schedule  run commands on a cron or an interval: joblook schedule add|ls|pause|resume|rm
  users     accounts and roles (admins): joblook users add|list|remove|token|role NAME
  secrets   named secrets for commands: joblook secrets set|ls|rm NAME, keygen
  show      the same as status

Client commands take --token (default: $JOBLOOK_TOKEN); a user's role decides what it may do.

Settings come from the environment; see .env.example.
"""


def _web(args: list[str]) -> int:
    import os

    from joblook.settings import WEB_PROCESS_ENV, Settings

    settings = Settings.from_env()
    if settings.web_processes > 1 and WEB_PROCESS_ENV not in os.environ:
        from joblook.webprocesses import serve as supervise  # starts the serving processes

        return supervise(args, settings)
    import eventlet

    eventlet.monkey_patch()
    from joblook.web.server import serve

    return serve(args, settings)


def _worker(args: list[str]) -> int:
    from joblook.worker.service import serve

    return serve(args)


def _shipper(args: list[str]) -> int:
    from joblook.shipper.service import serve

    return serve(args)


def _flower(args: list[str]) -> int:
    from joblook.worker.service import serve_flower

    return serve_flower(args)


def _scheduler(args: list[str]) -> int:
    from joblook.scheduler.service import serve

    return serve(args)


def _up(args: list[str]) -> int:
    from joblook.up import serve

    return serve(args)


def _make_bucket(args: list[str]) -> int:
    from joblook.store.artifacts.bucket import make_bucket

    return make_bucket(args)


def _client(command: str) -> Callable[[list[str]], int]:
    def run(args: list[str]) -> int:
        from joblook.client.commands import main as client_main

        return client_main([command, *args])

    return run


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "up": _up,
    "web": _web,
    "worker": _worker,
    "shipper": _shipper,
    "flower": _flower,
    "scheduler": _scheduler,
    "make-bucket": _make_bucket,
    **{
        name: _client(name)
        for name in (
            "submit",
            "run",
            "logs",
            "ls",
            "status",
            "show",
            "cancel",
            "rerun",
            "schedule",
            "users",
            "secrets",
        )
    },
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if args else 2
    command = COMMANDS.get(args[0])
    if command is None:
        sys.stderr.write(f"joblook: unknown command {args[0]!r}\n\n{USAGE}")
        return 2
    from joblook.settings import SettingsError

    try:
        return command(args[1:])
    except SettingsError as exc:
        sys.stderr.write(f"joblook: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
