"""``POST /tasks/<id>/rerun``: run a task again as it was defined, with changes, or from where a
chain or group failed.

A task's ``definition`` is its enqueue request (``submit.py``). A re-run merges the request's
fields into it and queues the result as a new enqueue request would be, through the same checks
(the command policy and the jobs file as they are now, not as they were).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import ValidationError

from joblook.record import TERMINAL_STATES, State
from joblook.roles import OPERATOR
from joblook.store.audit import RERUN, Entry
from joblook.store.logstore import LogStore, TaskInfo
from joblook.web import auth, submit
from joblook.web.errors import ApiError
from joblook.web.models import EnqueueReply, EnqueueRequest, RerunRequest
from joblook.web.spec import refusal, replies, spec
from joblook.web.tasks import known_task

bp = Blueprint("rerun", __name__)
auth.protect(bp, "the API")

FORMS = ("cmd", "job", "chain", "group")
STEPPED = ("chain", "group")
RETRY_FIELDS = ("retries", "retry_delay")


@bp.post("/tasks/<task_id>/rerun")
@auth.requires(OPERATOR)
@spec.validate(
    resp=replies(
        {202: EnqueueReply},
        400,
        (403, "Wrong token, or the command policy refuses the command."),
        404,
        (409, "The task cannot be re-run: no definition kept, or (`from`) nothing failed yet."),
        503,
    ),
    tags=["tasks"],
)
def rerun(task_id: str, json: RerunRequest) -> tuple[dict[str, object], int]:
    """Queue a new task with the same definition (command or job and parameters, chain or group,
    timeout, retries), linked both ways: its `rerun_of`, the old task's `reruns`.

    A body's fields replace the old ones (edit, then run): a new `cmd`, `job`, `chain` or `group`
    replaces the old form, `params` the old parameters, `null` removes a field. `{"from":
    "failed"}` re-runs an ended chain from its first step that did not succeed, or an ended
    group's steps that did not. Replies as `POST /enqueue` does.
    """
    info = known_task(task_id)
    if info.definition is None:
        raise ApiError(409, "this task was queued before joblook kept definitions: run it anew")
    changes = json.model_dump(exclude_unset=True, by_alias=True)
    definition = dict(info.definition)
    if changes.pop("from", None) == "failed":
        definition = from_failed(submit.app_store(), info, definition)
    form = _validated(merged(definition, changes))

    def noted(rerun_id: str | None) -> Entry:
        return auth.audit_entry(RERUN, task_id=rerun_id, rerun_of=info.task_id)

    by = f"rerun:{info.task_id}"
    queued = submit.submit(form, submitted_by=by, rerun_of=info.task_id, noted=noted)
    return queued.reply(), 202


def merged(definition: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The definition with ``changes``: a new form replaces the old one (its parameters too, and
    a chain's or group's drops the retries it cannot have); ``None`` removes a field."""
    new_form = next((key for key in FORMS if key in changes), None)
    if new_form is not None:
        dropped = {*FORMS, "params", *(RETRY_FIELDS if new_form in STEPPED else ())}
        definition = {k: v for k, v in definition.items() if k not in dropped}
    together = definition | changes
    return {key: value for key, value in together.items() if value is not None}


def from_failed(store: LogStore, info: TaskInfo, definition: dict[str, Any]) -> dict[str, Any]:
    """A chain's definition from its first step that did not succeed; a group's with only the
    steps that did not (a step whose record expired counts as not succeeded)."""
    kind = info.kind
    if kind is None:
        raise ApiError(400, 'from: "failed" goes with a chain or group')
    if info.state not in TERMINAL_STATES:
        raise ApiError(409, f"the {kind} has not ended yet", {"state": info.state})
    cmds = definition[kind]
    succeeded = [
        step is not None and step.state == State.SUCCESS for step in store.tasks(info.steps)
    ]
    if all(succeeded):
        raise ApiError(409, f"no step of the {kind} failed: re-run it as a whole")
    if kind == "chain":
        again = cmds[succeeded.index(False) :]
    else:
        again = [cmd for cmd, ok in zip(cmds, succeeded, strict=True) if not ok]
    return definition | {kind: again}


def _validated(definition: dict[str, Any]) -> submit.Form:
    try:
        return EnqueueRequest.model_validate(definition).root
    except ValidationError as exc:
        raise refusal(exc) from None
