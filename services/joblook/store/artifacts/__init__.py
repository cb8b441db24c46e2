"""Artifacts: the files a command leaves in ``$JOBLOOK_ARTIFACTS``, kept per task.

``names.py`` says which paths are safe, ``manifest.py`` what a task kept, ``backends.py`` where the
bytes live (a directory or an S3-compatible bucket). The worker writes (``worker/artifacts.py``),
the web reads (``web/artifacts.py``); neither imports the other.
"""
