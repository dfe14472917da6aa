"""Accounts for tests: two organisations, an admin and a member, signed in."""

from dataclasses import dataclass

import pytest

from kombo_portal.db.models import Role
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import create_organisation, create_user
from kombo_portal.records.sessions import SignedInUser, resolve_session, start_session

PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-of-at-least-32-characters"


@dataclass
class People:
    acme_admin: SignedInUser
    acme_member: SignedInUser
    globex_admin: SignedInUser


def signed_in(engine, email: str) -> SignedInUser:
    from kombo_portal.records.accounts import find_user

    with transaction(engine) as session:
        token = start_session(session, find_user(session, email), SECRET_KEY)
    with transaction(engine) as session:
        return resolve_session(session, token, SECRET_KEY)


@pytest.fixture
def people(engine) -> People:
    with transaction(engine) as session:
        create_organisation(session, "Acme Inc.")
        create_organisation(session, "Globex")
        create_user(
            session,
            email="admin@acme.test",
            organisation_name="Acme Inc.",
            password=PASSWORD,
            role=Role.ADMIN,
            name="Ada Admin",
            language="de",
        )
        create_user(
            session, email="member@acme.test", organisation_name="Acme Inc.", password=PASSWORD
        )
        create_user(
            session,
            email="admin@globex.test",
            organisation_name="Globex",
            password=PASSWORD,
            role=Role.ADMIN,
        )
    return People(
        acme_admin=signed_in(engine, "admin@acme.test"),
        acme_member=signed_in(engine, "member@acme.test"),
        globex_admin=signed_in(engine, "admin@globex.test"),
    )
