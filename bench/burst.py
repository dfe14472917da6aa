"""The many-users scenario's burst alone, several rounds, for trying a change quickly:
`make bench` takes ten minutes, this about one. It reports, it does not judge.

    python -m bench.burst                    # SQLite, 200 users at once, 3 rounds
    python -m bench.burst --users 50 --rounds 1
    python -m bench.burst --postgres postgresql://postgres@127.0.0.1:5432/test
    python -m bench.burst --setting REFLEX_STATE_MANAGER_MODE=memory

Each round: as many users as asked, all at once, each through the steps of
bench/many_users.py (load, init, activation); printed: each step's p50 and p99,
the wall time and the server's CPU per user. The baseline first: 10 users one
after the other. Rounds vary by 10-20 % on a shared two-core machine: compare
several, and the same command before and after a change.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import many_users
from bench.accounts import create_admins
from bench.processes import tree_usage
from bench.stats import median, percentile
from harness.app_server import start_app
from harness.postgres import postgres_schema_url
from kombo_portal.config import PROJECT_ROOT, Settings

SOLO_USERS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description="The many-users burst alone, in rounds.")
    parser.add_argument("--users", type=int, default=many_users.USERS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL: a fresh schema there")
    parser.add_argument(
        "--setting",
        action="append",
        type=_setting,
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server (repeatable), e.g. REFLEX_STATE_MANAGER_MODE=memory",
    )
    args = parser.parse_args()
    work_dir = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    with ExitStack() as stack:
        overrides = dict(args.setting)
        if args.postgres:
            overrides["REFLEX_DB_URL"] = stack.enter_context(postgres_schema_url(args.postgres))
        app = start_app(work_dir, overrides, web_workdir=many_users.WEB_WORKDIR)
        stack.callback(app.stop)
        key = Settings.from_environment(app.env).sandbox.api_key
        events = many_users.PageEvents.from_build(PROJECT_ROOT / many_users.WEB_WORKDIR)
        needed = many_users.WARM_UP_USERS + SOLO_USERS + args.users * args.rounds
        admins = iter(create_admins(app, needed, many_users.PASSWORD))

        def run(count: int, at_once: bool) -> many_users.LoadRun:
            batch = [next(admins) for _ in range(count)]
            spread = 0.0 if at_once else None
            return asyncio.run(
                many_users.run_users(
                    batch, events, app.url, key, spread_seconds=spread, server_pid=app.pid
                )
            )

        run(many_users.WARM_UP_USERS, at_once=False)
        alone = run(SOLO_USERS, at_once=False)
        medians = ", ".join(
            f"{step} {median(alone.values(step)):.0f} ms" for step, _ in many_users.STEPS
        )
        print(f"one user alone, medians: {medians}", flush=True)
        for number in range(1, args.rounds + 1):
            many_users.settle()
            cpu_before = tree_usage(app.pid).cpu_seconds
            burst = run(args.users, at_once=True)
            many_users.settle()
            cpu = (tree_usage(app.pid).cpu_seconds - cpu_before) / args.users * 1000
            steps = ", ".join(
                f"{step} {percentile(burst.values(step), 50):.0f}/"
                f"{percentile(burst.values(step), 99):.0f} ms"
                for step, _ in many_users.STEPS
            )
            print(
                f"round {number}: {len(burst.ok_runs())}/{args.users} succeeded in "
                f"{burst.wall_seconds:.2f} s; p50/p99 {steps}; server CPU {cpu:.0f} ms a user",
                flush=True,
            )
    shutil.rmtree(work_dir, ignore_errors=True)


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not name or not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


if __name__ == "__main__":
    main()
