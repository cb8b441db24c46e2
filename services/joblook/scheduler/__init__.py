"""``joblook scheduler``: fires each schedule's due times (see ``joblook.schedules``).

Any number may run at once (``docker compose up --scale scheduler=2``): every one looks at every
schedule each second, and the claim in Redis (``store/schedules.py``) lets exactly one of them
fire each due time.
"""
