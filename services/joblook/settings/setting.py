"""One setting, declared once: its variable, how it is read, its default, what it means."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

from joblook.settings.parsers import Parser


@dataclass(frozen=True)
class Section:
    """A group of settings in ``.env.example``; ``note`` is printed under its title."""

    title: str
    note: str = ""


@dataclass(frozen=True)
class Setting:
    """An environment variable and what joblook (or compose) makes of it.

    ``attr`` is the :class:`~joblook.settings.Settings` field it fills; None for a variable only
    ``docker-compose.yml`` reads. Unset or empty, the value is ``default``, or ``derive`` of the
    values read before it (by ``attr``); so is a text ``parse`` returns None for.
    """

    env: str
    attr: str | None
    section: Section
    parse: Parser | None = None
    _: KW_ONLY
    help: str
    """What it means and does, in Markdown: the docs' settings table and .env.example show it."""
    default: Any = None
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    shown_default: str = ""
    """How the settings table shows the default; empty: the default's text, or "unset" for None."""
    example: str | None = None
    """The value .env.example shows commented out; None: the default's text."""
    secret: bool = False
    """A secret: .env.example lists it empty and uncommented, and compose requires it."""

    def read(self, env: Mapping[str, str], earlier: Mapping[str, Any]) -> Any:
        """The value from ``env`` (its text parsed), else the default."""
        raw = env.get(self.env)
        value = self.parse(self.env, raw) if raw and self.parse is not None else None
        if value is not None:
            return value
        return self.derive(earlier) if self.derive is not None else self.default

    @property
    def default_text(self) -> str:
        """The default as a variable's text would give it; empty when it has none."""
        if self.default is None or isinstance(self.default, list):
            return ""
        if isinstance(self.default, float) and self.default.is_integer():
            return str(int(self.default))
        return str(self.default)
