"""The compose steps the docs give (docs/compose.md, and the README's short version) agree with
each other and with the secrets compose requires; the live suite (tests/compose/live/) runs them."""

from __future__ import annotations

import re

from .conftest import REPO_ROOT, SECRETS

COMPOSE_PAGE = REPO_ROOT / "docs" / "compose.md"
UP = "docker compose up -d --build --wait"


def test_the_compose_page_names_every_secret_compose_requires() -> None:
    page = COMPOSE_PAGE.read_text(encoding="utf-8")
    step_one = page[page.index("1. **Secrets.**") : page.index("2. **Start.**")]
    assert set(re.findall(r"`([A-Z_]+)`", step_one)) >= set(SECRETS)
    assert "cp .env.example .env" in step_one


def test_the_readme_and_the_compose_page_start_the_stack_the_same_way() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "cp .env.example .env" in readme
    assert UP in readme
    assert UP in COMPOSE_PAGE.read_text(encoding="utf-8").replace("\n   ", " ")
