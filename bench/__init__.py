"""joblook's benchmark suite: ``make bench`` (or ``python -m bench``) starts the real local stack
(Redis, web, worker, shipper) on free loopback ports, measures latency, throughput, fan-out and
enqueue rate, and a reference relay in the same run, then prints a table and writes the figures,
with machine info, as JSON under ``bench/results/``.

Benchmarks are not tests: nothing here asserts a speed. ``tests/bench`` only checks that a quick run
completes, writes every figure and loses nothing.
"""
