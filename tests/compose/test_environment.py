"""Environment variables: what the code reads, what compose sets, what .env.example documents."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from . import composefile
from .conftest import REPO_ROOT, SECRETS, SETTINGS_PY
from .settingsvars import read_variables


@pytest.fixture(scope="module")
def settings_variables() -> dict[str, bool]:
    """Variables services/joblook/settings.py reads -> whether it has a default for each."""
    found = read_variables(SETTINGS_PY)
    assert found, f"no env.get(...) or _int(env, ...) found in {SETTINGS_PY}"
    return found


def _set_in_compose(services: dict[str, Any]) -> set[str]:
    return {name for service in services.values() for name in composefile.environment(service)}


def test_settings_reader_finds_the_known_variables(settings_variables: dict[str, bool]) -> None:
    # Guards the parser itself: these are read by settings.py today.
    assert {"REDIS_URL", "JOBLOOK_PORT", "JOBLOOK_DATA_DIR", "JOBLOOK_SYNC_TOKEN"} <= set(
        settings_variables
    )


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
