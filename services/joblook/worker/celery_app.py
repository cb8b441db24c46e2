"""Entry module for Celery's own command line: ``celery -A joblook.worker.celery_app inspect ping``
(compose's worker healthcheck). Importing it builds the worker's app from the environment, which
is all it is for; joblook's code calls :func:`joblook.worker.app.worker_celery` instead.
"""

from __future__ import annotations

from joblook.settings import Settings
from joblook.worker.app import worker_celery

celery_app = worker_celery(Settings.from_env())
