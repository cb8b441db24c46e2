"""Schedules: commands and named jobs that run on a cron expression or every N seconds.

``timing`` says when a schedule is due (and says it in words), ``schedule`` is what one is, the
store keeps them in Redis (``store/schedules.py``) and ``joblook scheduler`` fires them
(``joblook.scheduler``); docs/schedules.md is the user's guide.
"""
