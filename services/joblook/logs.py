"""Logging for joblook's own services (not the commands' output): one line per event on stderr."""

from __future__ import annotations

import logging


def setup(service: str, level: str = "INFO") -> None:
    """Configure the root logger once for a service process."""
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )
