"""``python -m joblook.settings --markdown | --env-example | --write``: the settings' docs."""

from __future__ import annotations

import argparse
import sys

from joblook.settings import docs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m joblook.settings", description="joblook's settings, from their declarations"
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--markdown", action="store_true", help="print the settings table (docs/configuration.md)"
    )
    what.add_argument("--env-example", action="store_true", help="print .env.example")
    what.add_argument(
        "--write", action="store_true", help="rewrite docs/configuration.md and .env.example"
    )
    args = parser.parse_args(argv)
    if args.write:
        docs.write()
    else:
        sys.stdout.write(docs.markdown_table() if args.markdown else docs.env_example())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
