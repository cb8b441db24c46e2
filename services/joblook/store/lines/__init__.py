"""The LINES index: a task's permanent log (chunks of output, as printed) cut into numbered lines
as a terminal shows them, with sections, for windows of lines and search (issue #17).

``assemble`` turns records into lines (pure); ``sections`` finds the fold markers (pure);
``index`` keeps both in Redis, caught up from the log; ``search`` finds text in them.
"""
