"""The one Celery task: thin on purpose, the work is ``runner.run_command``."""

from __future__ import annotations

from pathlib import Path

from celery import Task

from joblook.worker.celery_app import LOGS_DIR_KEY, RUN_TASK, celery_app
from joblook.worker.runner import run_command


class CommandFailed(Exception):
    """The command exited non-zero (or could not start); raised so Flower shows FAILURE."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)  # args stay JSON-serialisable for the result backend
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"command exited with code {self.exit_code}"


@celery_app.task(name=RUN_TASK, bind=True, throws=(CommandFailed,))
def run(self: Task, cmd: str) -> dict[str, int]:
    """Run ``cmd`` with ``/bin/sh -c``; its output goes to ``<logs_dir>/<task id>.jsonl``."""
    task_id = self.request.id
    exit_code = run_command(task_id, cmd, Path(self.app.conf[LOGS_DIR_KEY]))
    if exit_code != 0:
        raise CommandFailed(exit_code)
    return {"exit_code": exit_code}
