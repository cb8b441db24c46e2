"""JOBLOOK_STALL_SECONDS, JOBLOOK_WEBHOOK_URL and JOBLOOK_PUBLIC_URL, read from the environment."""

from __future__ import annotations

import pytest

from joblook.settings import Settings, SettingsError


def test_defaults_are_ten_minutes_to_a_stall_hint_and_no_webhook() -> None:
    settings = Settings.from_env({"JOBLOOK_PORT": "9000"})
    assert (settings.stall_seconds, settings.webhook_url) == (600.0, None)
    assert settings.public_url == "http://127.0.0.1:9000"


def test_given_values_are_used() -> None:
    settings = Settings.from_env(
        {
            "JOBLOOK_STALL_SECONDS": "90",
            "JOBLOOK_WEBHOOK_URL": "https://hooks.example/joblook?key=1",
            "JOBLOOK_PUBLIC_URL": "https://joblook.example/",
        }
    )
    assert settings.stall_seconds == 90.0
    assert settings.webhook_url == "https://hooks.example/joblook?key=1"
    assert settings.public_url == "https://joblook.example"  # links append their own /path


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("JOBLOOK_STALL_SECONDS", "0"),
        ("JOBLOOK_STALL_SECONDS", "soon"),
        ("JOBLOOK_WEBHOOK_URL", "hooks.example/joblook"),
        ("JOBLOOK_WEBHOOK_URL", "ftp://hooks.example/"),
        ("JOBLOOK_PUBLIC_URL", "http://"),
    ],
)
def test_bad_values_are_settings_errors_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: raw})
