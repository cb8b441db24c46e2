"""The Dockerfiles: hadolint-clean, and the one image's structure (see services/Dockerfile)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from . import composefile
from .conftest import IMAGE_DOCKERFILE, REPO_ROOT
from .dockerfile import Stage

_NOT_SOURCE = {".git", ".venv", "node_modules", "build", "var"}


def _dockerfiles() -> list[Path]:
    found = [
        path
        for path in REPO_ROOT.rglob("*Dockerfile*")
        if path.is_file() and not _NOT_SOURCE.intersection(path.relative_to(REPO_ROOT).parts)
    ]
    return sorted(found)


def test_the_image_dockerfile_is_linted() -> None:
    assert IMAGE_DOCKERFILE in _dockerfiles()


@pytest.mark.parametrize("path", _dockerfiles(), ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_dockerfile_passes_hadolint(hadolint: str, path: Path) -> None:
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "error", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _runtime(image: list[Stage]) -> Stage:
    return image[-1]


def test_image_runs_as_a_fixed_non_root_uid(image: list[Stage]) -> None:
    user = _runtime(image).user
    assert user is not None, "the image would run as root"
    match = re.fullmatch(r"(\d+)(?::(\d+))?", user)
    assert match, f"USER {user}: use a numeric UID so 'not root' can be checked without a passwd"
    assert int(match[1]) != 0


def test_image_starts_the_web_by_default_in_exec_form(image: list[Stage]) -> None:
    # Exec form: joblook itself gets SIGTERM; a shell-form CMD runs under `sh -c`, which does not
    # pass it on, so `docker stop` would end in SIGKILL.
    assert _runtime(image).cmd == ["joblook", "web"]


def test_image_python_output_is_unbuffered(image: list[Stage]) -> None:
    assert _runtime(image).env().get("PYTHONUNBUFFERED") == "1"


def test_image_installs_dependencies_before_copying_the_source(image: list[Stage]) -> None:
    # Then editing the code does not re-download every dependency on the next build.
    steps = _runtime(image).instructions
    installs = [i for i, step in enumerate(steps) if "pip install" in step.arguments]
    source = [
        i for i, step in enumerate(steps) if step.keyword == "COPY" and "services" in step.arguments
    ]
    assert installs and source, "expected a pip install and a COPY of services/"
    assert installs[0] < source[0], "dependencies must be installed before the source is copied"
    copied_before = [
        steps[i].arguments for i in range(installs[0]) if steps[i].keyword in ("COPY", "ADD")
    ]
    assert copied_before == ["pyproject.toml ./"], copied_before


def test_image_serves_the_web_directory_with_its_npm_libraries(image: list[Stage]) -> None:
    runtime = _runtime(image)
    web_dir = runtime.env()["JOBLOOK_WEB_DIR"]
    copies = runtime.copies()
    assert any(copy.destination == web_dir and copy.from_stage is None for copy in copies)
    (libraries,) = [copy for copy in copies if copy.destination == f"{web_dir}/node_modules"]
    (npm_stage,) = [stage for stage in image if stage.name == libraries.from_stage]
    assert any("npm ci" in step.arguments for step in npm_stage.find("RUN"))


def test_image_data_dir_is_the_one_compose_uses(
    image: list[Stage], services: dict[str, Any]
) -> None:
    image_dir = _runtime(image).env()["JOBLOOK_DATA_DIR"]
    for name in ("web", "worker"):
        assert composefile.environment(services[name])["JOBLOOK_DATA_DIR"] == image_dir


def test_image_dockerfile_names_no_frontend_image() -> None:
    # `# syntax=...` makes BuildKit pull that frontend image from a registry before building, so
    # the build fails where only the package registries are reachable (the live suite builds it).
    directives = [
        line
        for line in IMAGE_DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if re.match(r"#\s*syntax\s*=", line, re.IGNORECASE)
    ]
    assert directives == []
