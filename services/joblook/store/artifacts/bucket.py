"""``joblook make-bucket``: make the bucket ``JOBLOOK_ARTIFACTS_URL`` names, once, before the
web and the workers start (compose's ``s3`` profile runs it as a one-shot service)."""

from __future__ import annotations

import sys

from joblook.settings import Settings
from joblook.store.artifacts.backends import S3Store, open_store, s3_options


def make_bucket(args: list[str]) -> int:
    """Exit status 0 once the bucket exists (made now or before), 2 when there is none to make."""
    if args:
        sys.stderr.write(
            "usage: joblook make-bucket (it reads JOBLOOK_ARTIFACTS_URL and JOBLOOK_S3_*)\n"
        )
        return 2
    settings = Settings.from_env()
    store = open_store(settings.artifacts_url, s3_options(settings))
    if not isinstance(store, S3Store):
        sys.stderr.write(
            "joblook make-bucket: JOBLOOK_ARTIFACTS_URL is not an s3:// address, "
            f"so there is no bucket to make ({settings.artifacts_url})\n"
        )
        return 2
    made = store.ensure_bucket()
    sys.stdout.write(f"bucket {store.bucket} {'made' if made else 'already there'}\n")
    return 0
