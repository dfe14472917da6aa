"""Operator commands: `python -m kombo_portal <command>`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kombo_portal.config import SettingsError, get_settings


def _check(_args: argparse.Namespace) -> None:
    settings = get_settings()
    mode = "sandbox (local Kombo sandbox)" if settings.sandbox_mode else "real Kombo API"
    print(f"Settings are valid. Mode: {mode}.")


def _migrate(_args: argparse.Namespace) -> None:
    from kombo_portal.db.engine import get_engine
    from kombo_portal.db.migrations import upgrade_to_head

    get_settings()
    upgrade_to_head(get_engine())
    print("Database is up to date.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kombo_portal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("check", help="validate the settings and exit").set_defaults(run=_check)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    return 0
