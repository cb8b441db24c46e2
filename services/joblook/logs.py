"""Logging for joblook's own services (not the commands' output).

Without ``FLUENTD_HOST``: one line per event on stderr. With it: one structured record per event
to Fluentd's forward input, tagged ``joblook.service.<name>`` (``fluentlog`` says what happens
while Fluentd is unreachable). ``fluentd/fluent.conf`` prints those records, so
``docker compose logs fluentd`` shows the whole stack's log as one stream.
"""

from __future__ import annotations

import logging

from joblook import fluentlog
from joblook.settings import Settings


def setup(service: str, settings: Settings) -> None:
    """Configure the root logger once for a service process: Fluentd if configured, else stderr."""
    level = logging.getLevelName(settings.log_level)
    level = level if isinstance(level, int) else logging.INFO
    if settings.fluentd_host is None:
        logging.basicConfig(
            level=level, format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"
        )
    else:
        handler = fluentlog.handler(service, settings.fluentd_host, settings.fluentd_port)
        logging.basicConfig(level=level, handlers=[handler])
