"""Fluentd outside containers: the environment that points the one fluent.conf at local values."""

from __future__ import annotations

from pathlib import Path

import pytest

from joblook import fluentd
from joblook.settings import Settings, SettingsError
from tests.compose.conftest import FLUENT_CONF
from tests.compose.fluentconf import defaulted_variables


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"JOBLOOK_DATA_DIR": str(tmp_path), "JOBLOOK_PORT": "9123", **env})


def test_every_variable_fluent_conf_reads_is_set_to_a_local_value(tmp_path: Path) -> None:
    local = fluentd.environment(_settings(tmp_path), forward_port=4001, monitor_port=4002)
    defaulted = defaulted_variables(FLUENT_CONF.read_text(encoding="utf-8"))
    assert defaulted.keys() <= local.keys()
    assert local["FLUENTD_TASK_LOGS"] == str(tmp_path / "logs")
    assert local["JOBLOOK_SYNC_URL"] == "http://127.0.0.1:9123/sync"
    assert (local["FLUENTD_BIND"], local["FLUENTD_PORT"]) == ("127.0.0.1", "4001")
    assert local["FLUENTD_MONITOR_PORT"] == "4002"
    # Nothing of Fluentd's state lands in a container path, or outside the data directory.
    assert Path(local["FLUENTD_STATE_DIR"]).is_relative_to(tmp_path)


def test_the_sync_token_is_passed_and_is_empty_without_authentication(tmp_path: Path) -> None:
    with_token = _settings(tmp_path, JOBLOOK_TOKEN="user", JOBLOOK_SYNC_TOKEN="sync-secret")
    assert fluentd.environment(with_token, 1, 2)["JOBLOOK_SYNC_TOKEN"] == "sync-secret"
    without = _settings(tmp_path, JOBLOOK_AUTH="none")
    assert fluentd.environment(without, 1, 2)["JOBLOOK_SYNC_TOKEN"] == ""


def test_the_default_configuration_is_the_repositorys_fluent_conf(tmp_path: Path) -> None:
    command = fluentd.command(_settings(tmp_path, JOBLOOK_FLUENTD="/bin/true"))
    assert command == ["/bin/true", "-c", str(FLUENT_CONF)]


def test_a_missing_fluentd_is_a_settings_error_naming_the_setting(tmp_path: Path) -> None:
    settings = _settings(tmp_path, JOBLOOK_FLUENTD=str(tmp_path / "no-such-fluentd"))
    with pytest.raises(SettingsError, match="JOBLOOK_FLUENTD"):
        fluentd.command(settings)


def test_an_unknown_shipper_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="JOBLOOK_SHIPPER"):
        _settings(tmp_path, JOBLOOK_SHIPPER="logstash")
