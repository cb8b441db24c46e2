"""The docs' settings table (docs/configuration.md) and .env.example are what the declarations
give, never hand-kept."""

from __future__ import annotations

import dataclasses

from joblook.settings import Settings, docs
from joblook.settings.declared import SETTINGS


def test_the_configuration_page_table_is_written_from_the_declarations() -> None:
    page = docs.SETTINGS_PAGE.read_text(encoding="utf-8")
    assert docs.page_with_table(page) == page, "run `make docs-settings`"


def test_env_example_is_written_from_the_declarations() -> None:
    assert docs.ENV_EXAMPLE.read_text(encoding="utf-8") == docs.env_example(), (
        "run `make docs-settings`"
    )


def test_every_settings_field_is_declared_once() -> None:
    declared = [s.attr for s in SETTINGS if s.attr is not None]
    fields = {f.name for f in dataclasses.fields(Settings)} - {"redis_url_given"}
    assert sorted(declared) == sorted(fields)
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)


def test_every_setting_shows_up_in_both_documents() -> None:
    table, example = docs.markdown_table(), docs.env_example()
    for setting in SETTINGS:
        assert f"{setting.env}=" in example
        assert (f"| `{setting.env}` |" in table) is (setting.attr is not None)
