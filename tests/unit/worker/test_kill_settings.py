"""JOBLOOK_KILL_GRACE and JOBLOOK_DEFAULT_TIMEOUT: the worker's kill limits, read from the env."""

from __future__ import annotations

import pytest

from joblook.settings import Settings, SettingsError


def test_kill_grace_defaults_to_ten_seconds_and_no_default_timeout() -> None:
    settings = Settings.from_env({})
    assert (settings.kill_grace, settings.default_timeout) == (10.0, None)


def test_kill_grace_and_default_timeout_take_fractional_seconds() -> None:
    env = {"JOBLOOK_KILL_GRACE": "2.5", "JOBLOOK_DEFAULT_TIMEOUT": "3600"}
    settings = Settings.from_env(env)
    assert (settings.kill_grace, settings.default_timeout) == (2.5, 3600.0)


def test_kill_grace_of_zero_means_sigkill_at_once() -> None:
    assert Settings.from_env({"JOBLOOK_KILL_GRACE": "0"}).kill_grace == 0.0


@pytest.mark.parametrize("raw", ["ten", "-1", "nan", "inf", "1s"])
def test_bad_kill_grace_is_a_settings_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="JOBLOOK_KILL_GRACE"):
        Settings.from_env({"JOBLOOK_KILL_GRACE": raw})


@pytest.mark.parametrize("raw", ["0", "-5", "soon", "inf", "nan"])
def test_bad_default_timeout_is_a_settings_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="JOBLOOK_DEFAULT_TIMEOUT"):
        Settings.from_env({"JOBLOOK_DEFAULT_TIMEOUT": raw})
