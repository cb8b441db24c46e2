"""Queue names, once: the default queue and what a name may look like (API, settings, jobs file).

A task names the queue it goes to (``"queue": "gpu"``); workers started with ``--queues gpu``
take from it. A queue no worker serves holds its tasks, PENDING, until one does.
"""

from __future__ import annotations

import re

DEFAULT_QUEUE = "celery"
"""The queue of a task that names none, and of a worker started without ``--queues``: Celery's."""
QUEUE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
"""Letters, digits, ``_`` and ``-``, at most 64, starting with a letter or digit (no dots: Celery's
own queues have them, ``celery.pidbox``)."""
MAX_GPUS = 64
"""The most GPUs one task may ask for."""


def valid_queue(name: str) -> bool:
    return re.match(QUEUE_PATTERN, name) is not None
