"""Admins for the scenarios that sign in, and the PostgreSQL the scenarios may use."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from harness.app_server import RunningApp
from kombo_portal.config import Settings
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Role, User
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import create_organisation, hash_password
from kombo_portal.records.sessions import start_session

NO_POSTGRES = "set BENCH_POSTGRES_URL or TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    """The database the PostgreSQL figures use (each run in schemas of its own), if any."""
    for variable in ("BENCH_POSTGRES_URL", "TEST_POSTGRES_URL"):
        if value := os.environ.get(variable, "").strip():
            return value
    return None


@dataclass(frozen=True)
class Admin:
    email: str
    session_token: str  # signed in already, for clients that do not use the sign-in page


def create_admins(app: RunningApp, count: int, password: str) -> list[Admin]:
    """`count` organisations with one admin each, signed in.

    Straight into the app's database: the CLI would start a process per call. One
    password hash for all, because argon2 takes a while per hash on purpose.
    """
    secret_key = Settings.from_environment(app.env).security.secret_key
    engine = create_database_engine(app.database_url)
    password_hash = hash_password(password)
    run = uuid.uuid4().hex[:8]
    admins = []
    try:
        with transaction(engine) as session:
            for number in range(count):
                organisation = create_organisation(session, f"Bench {run} {number}")
                user = User(
                    organisation_id=organisation.id,
                    email=f"admin-{number}@bench-{run}.test",
                    name=f"Admin {number}",
                    password_hash=password_hash,
                    role=Role.ADMIN.value,
                )
                session.add(user)
                session.flush()
                admins.append(Admin(user.email, start_session(session, user, secret_key)))
    finally:
        engine.dispose()
    return admins
