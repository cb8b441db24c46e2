"""Environment variables: what the code reads, what compose sets, what .env.example documents."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from joblook.settings.declared import SETTINGS

from . import composefile
from .conftest import REPO_ROOT, SECRETS


@pytest.fixture(scope="module")
def settings_variables() -> dict[str, bool]:
    """Variables joblook's settings read -> whether they may be left unset (not a secret)."""
    return {s.env: not s.secret for s in SETTINGS if s.attr is not None}


def _set_in_compose(services: dict[str, Any]) -> set[str]:
    return {name for service in services.values() for name in composefile.environment(service)}


def test_the_secrets_compose_requires_are_the_declared_secrets() -> None:
    assert {s.env for s in SETTINGS if s.secret} == set(SECRETS)


def test_every_setting_is_set_in_compose_or_has_a_default(
    settings_variables: dict[str, bool], services: dict[str, Any]
) -> None:
    without_default = {name for name, has_default in settings_variables.items() if not has_default}
    assert without_default <= _set_in_compose(services)


def test_every_setting_is_documented_in_env_example(
    settings_variables: dict[str, bool], env_example: dict[str, str]
) -> None:
    assert set(settings_variables) - set(env_example) == set()


def test_every_compose_variable_is_documented_in_env_example(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    referenced = {
        name for text in composefile.strings(compose) for name in composefile.variables(text)
    }
    assert referenced - set(env_example) == set()


def test_env_example_holds_no_secret_values(env_example_set: dict[str, str]) -> None:
    # The secrets are listed (so `cp .env.example .env` shows what to fill in) but left empty.
    for secret in SECRETS:
        assert env_example_set.get(secret) == "", f"{secret}= must be present and empty"


def test_env_file_is_ignored_by_git() -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")

    def ignored(path: str) -> bool:
        result = subprocess.run(
            [git, "check-ignore", "--quiet", "--no-index", path], cwd=REPO_ROOT, check=False
        )
        assert result.returncode in (0, 1), f"git check-ignore failed for {path}"
        return result.returncode == 0

    assert ignored(".env"), ".env holds the secrets and must never be committed"
    assert not ignored(".env.example"), ".env.example is the committed template"


def test_env_file_stays_out_of_the_image_build_context() -> None:
    patterns = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in patterns
    assert {".git", ".venv"} <= set(patterns)
