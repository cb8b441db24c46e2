"""The command the latency and fan-out benchmarks run: print "<n> <time.time()>" at a fixed rate.

Lines are due on an absolute schedule (no drift). With ``--go-file``, printing starts only once that
file exists, so every viewer is subscribed before the first line is printed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

GO_FILE_WAIT = 600.0  # seconds; a bench that never says go must not leave the task running forever


def command(count: int, rate: float, go_file: Path | None = None) -> str:
    """The shell command that runs this script with the bench's own Python."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--count", str(count)]
    argv += ["--rate", str(rate)]
    if go_file is not None:
        argv += ["--go-file", str(go_file)]
    return shlex.join(argv)


def inline_command(count: int, rate: float, delay: float = 0.0, go_file: str | None = None) -> str:
    """The shell command that runs this script's source with the runner's own ``python``, for a
    worker that cannot see the bench's files (a container). It waits ``delay`` seconds first, or
    for ``go_file`` (a path inside the worker's container), so viewers can subscribe before the
    first line."""
    source = Path(__file__).read_text(encoding="utf-8")
    args = f"--count {count} --rate {rate} --delay {delay}"
    if go_file is not None:
        args += f" --go-file {shlex.quote(go_file)}"
    return f"python - {args} <<'JOBLOOK_PRINTER'\n{source}JOBLOOK_PRINTER\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="lines per second")
    parser.add_argument("--go-file", default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait first")
    args = parser.parse_args(argv)
    time.sleep(args.delay)
    if args.go_file and not _wait_for(args.go_file, GO_FILE_WAIT):
        print("no go file: giving up", file=sys.stderr)
        return 1
    interval = 1.0 / args.rate
    start = time.monotonic()
    for n in range(1, args.count + 1):
        delay = start + (n - 1) * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sys.stdout.write(f"{n} {time.time():.6f}\n")
        sys.stdout.flush()
    return 0


def _wait_for(path: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


if __name__ == "__main__":
    sys.exit(main())
