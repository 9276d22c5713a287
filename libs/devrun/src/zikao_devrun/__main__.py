"""``zikao-run``: run the whole Zikao system locally, or a command beside its databases.

``zikao-run run`` is ``make run``; ``zikao-run exec -- pytest`` is ``make test``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from zikao_devrun.commands import exec_command, run_system
from zikao_devrun.errors import DevrunError
from zikao_devrun.zikao import find_root


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zikao-run", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run",
        help="PostgreSQL and Redis (embedded unless DATABASE_URL/REDIS_URL are set), "
        "migrations, demo data, the services, the worker and the gateway; Ctrl-C stops all",
    )
    exec_parser = commands.add_parser(
        "exec", help="run a command with DATABASE_URL and REDIS_URL set (embedded if unset)"
    )
    exec_parser.add_argument(
        "--database",
        default="postgres",
        help="database of the embedded PostgreSQL named in DATABASE_URL (default: postgres)",
    )
    exec_parser.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``zikao-run``; returns the exit code."""
    started = time.monotonic()
    args = _parser().parse_args(argv)
    root = find_root()
    try:
        if args.command == "run":
            return run_system(root, started)
        command = list(args.argv)
        if command[:1] == ["--"]:
            command = command[1:]
        return exec_command(root, command, args.database)
    except DevrunError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
