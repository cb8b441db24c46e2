"""A task's artifacts: the list, and each file to download (``store/artifacts/``).

Only a name the task's manifest lists is ever served, after it passed the same checks the worker
applied (``names.py``), so a request cannot reach another task's files or anything outside the
store. Downloads are attachments, never sniffed, and sandboxed by their own CSP: an SVG (or an
HTML file served as text) opened directly runs no script on joblook's origin.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from flask import Blueprint, Response, current_app

from joblook.store.artifacts.backends import ArtifactStore
from joblook.store.artifacts.manifest import Manifest
from joblook.store.artifacts.names import BadArtifactName, checked_name
from joblook.web import auth
from joblook.web.errors import ApiError
from joblook.web.models import ArtifactList
from joblook.web.spec import other_content, replies, spec
from joblook.web.tasks import known_task

bp = Blueprint("artifacts", __name__)
auth.protect(bp, "the API")

# Nothing an artifact holds may run or load anything, whatever its type says.
SANDBOX = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _artifacts() -> ArtifactStore:
    return current_app.extensions["joblook.artifacts"]


def _manifest(task_id: str) -> Manifest:
    """The task's manifest (empty when it kept nothing); 404 for an unknown task."""
    info = known_task(task_id)
    manifest = _artifacts().manifest(info.task_id) or Manifest()
    if manifest.expires_at is not None and manifest.expires_at < time.time():
        return Manifest()  # gone with the log, whether or not the files were pruned yet
    return manifest


@bp.get("/tasks/<task_id>/artifacts")
@spec.validate(resp=replies({200: ArtifactList}, 400, 404, 503), tags=["artifacts"])
def list_artifacts(task_id: str) -> dict[str, object]:
    """The files the task's command left in `$JOBLOOK_ARTIFACTS` (empty until it has ended).

    Each task keeps at most `JOBLOOK_MAX_ARTIFACT_BYTES`; what did not fit, and anything that
    was not a regular file in the directory, is listed under `skipped` with the reason.
    """
    return {"task_id": task_id} | _manifest(task_id).to_json()


# merge_slashes=False: "a//b" or "/etc/x" (an encoded slash first) is refused with 400 as it is,
# rather than redirected to a name it is not.
@bp.get("/tasks/<task_id>/artifacts/<path:name>", merge_slashes=False)
@spec.validate(resp=replies({200: None}, 400, 404, 503), tags=["artifacts"])
@other_content(
    200,
    "application/octet-stream",
    headers={
        "Content-Disposition": '`attachment; filename="<name>"`.',
        "Content-Security-Policy": f"`{SANDBOX}`: the file runs no script on this origin.",
    },
)
def download_artifact(task_id: str, name: str) -> Response:
    """One artifact, with its media type (a path under the artifacts, as listed).

    400 for a name that could leave the task's artifacts (`..`, an absolute path, NUL); 404 for
    one the task did not keep.
    """
    try:
        checked_name(name)
    except BadArtifactName as exc:
        raise ApiError(400, str(exc)) from None
    kept = _manifest(task_id).find(name)
    if kept is None:
        raise ApiError(404, "no such artifact", {"task_id": task_id, "name": name})
    filename = name.rsplit("/", 1)[-1]
    mimetype = f"{kept.type}; charset=utf-8" if kept.type.startswith("text/") else kept.type
    return Response(
        _artifacts().read(task_id, name),
        content_type=mimetype,
        headers={
            "Content-Length": str(kept.size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
            "Content-Security-Policy": SANDBOX,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
        },
    )
