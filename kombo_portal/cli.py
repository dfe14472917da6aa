"""Operator commands: `python -m kombo_portal <command>`.

    python -m kombo_portal migrate
    python -m kombo_portal org add "Acme Inc."
    python -m kombo_portal org list
    echo "$PASSWORD" | python -m kombo_portal user add ada@acme.example --org "Acme Inc." \\
        --role admin --name "Ada Lovelace" --language en --password-stdin
    python -m kombo_portal user list [--org "Acme Inc."]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from kombo_portal.config import SettingsError, get_settings
from kombo_portal.db.models import Role


class CommandError(Exception):
    """A command that cannot be carried out; its message is printed as is."""


def _engine():
    from kombo_portal.db.engine import get_engine

    get_settings()
    return get_engine()


def _check(_args: argparse.Namespace, out: TextIO) -> None:
    settings = get_settings()
    mode = "sandbox (local Kombo sandbox)" if settings.sandbox_mode else "real Kombo API"
    print(f"Settings are valid. Mode: {mode}.", file=out)


def _migrate(_args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.migrations import upgrade_to_head

    upgrade_to_head(_engine())
    print("Database is up to date.", file=out)


def _org_add(args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.services.accounts import create_organisation

    with transaction(_engine()) as session:
        organisation = create_organisation(session, args.name)
    print(f"Created organisation {organisation.name!r} (id {organisation.id}).", file=out)


def _org_list(_args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.services.accounts import list_organisations

    with transaction(_engine()) as session:
        for organisation in list_organisations(session):
            print(f"{organisation.id}  {organisation.name}", file=out)


def _user_add(args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.services.accounts import create_user

    if not args.password_stdin:
        raise CommandError("give the password on standard input, with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    with transaction(_engine()) as session:
        user = create_user(
            session,
            email=args.email,
            organisation_name=args.org,
            password=password,
            role=Role(args.role),
            name=args.name or "",
            language=args.language,
        )
    print(f"Created {user.role} {user.email} in {args.org!r}.", file=out)


def _user_list(args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.services.accounts import find_organisation, list_organisations, list_users

    with transaction(_engine()) as session:
        organisation = None
        if args.org:
            organisation = find_organisation(session, args.org)
            if organisation is None:
                raise CommandError(f"no organisation named {args.org!r}")
        names = {org.id: org.name for org in list_organisations(session)}
        for user in list_users(session, organisation):
            print(
                f"{user.email}  {user.role}  {user.language}  {names[user.organisation_id]}",
                file=out,
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kombo_portal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("check", help="validate the settings and exit").set_defaults(run=_check)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)

    org = commands.add_parser("org", help="organisations").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    org_add = org.add_parser("add", help="add an organisation")
    org_add.add_argument("name")
    org_add.set_defaults(run=_org_add)
    org.add_parser("list", help="list organisations").set_defaults(run=_org_list)

    user = commands.add_parser("user", help="users").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    user_add = user.add_parser("add", help="add a user to an organisation")
    user_add.add_argument("email")
    user_add.add_argument("--org", required=True, help="the organisation's name")
    user_add.add_argument("--role", choices=[role.value for role in Role], default="member")
    user_add.add_argument("--name", help="shown in the portal (default: from the email)")
    user_add.add_argument("--language", default="en", help="en, de, fr, it or es")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_add.set_defaults(run=_user_add)
    user_list = user.add_parser("list", help="list users")
    user_list.add_argument("--org", help="only this organisation's")
    user_list.set_defaults(run=_user_list)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    from kombo_portal.services.accounts import AccountError

    args = build_parser().parse_args(argv)
    try:
        args.run(args, out)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except (AccountError, CommandError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    return 0
