"""Hand-off users and organisations: keyed by the product's ids, updated by newer tokens."""

from datetime import UTC, datetime, timedelta

import pytest

from kombo_portal.db.models import Role
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import create_organisation, create_user
from kombo_portal.records.handoff import (
    HandoffConflict,
    HandoffIdentity,
    provision_user,
    spend_token_id,
)


def identity(**changes) -> HandoffIdentity:
    values = {
        "issuer": "https://app.product.test",
        "subject": "user-7",
        "email": "ada@acme.test",
        "name": "Ada",
        "organisation_id": "org-42",
        "organisation_name": "Acme",
        "role": Role.ADMIN,
        "language": "de",
        "token_id": "jti-1",
        "expires_at": datetime.now(UTC) + timedelta(minutes=5),
    }
    return HandoffIdentity(**(values | changes))


def test_the_same_subject_is_the_same_user_and_follows_the_newest_token(engine):
    with transaction(engine) as session:
        first = provision_user(session, identity())
    with transaction(engine) as session:
        later = provision_user(session, identity(role=Role.MEMBER, name="Ada L.", language="fr"))

    assert later.id == first.id
    assert (later.role, later.name, later.password_hash) == ("member", "Ada L.", "")
    assert later.language == "de", "a language chosen since stays"


def test_an_email_of_a_password_user_is_not_taken_over(engine):
    with transaction(engine) as session:
        create_organisation(session, "Portal Org")
        create_user(
            session,
            email="ada@acme.test",
            organisation_name="Portal Org",
            password="a-long-enough-password",
        )
    with transaction(engine) as session, pytest.raises(HandoffConflict):
        provision_user(session, identity())


def test_a_token_id_is_spent_once_per_issuer(engine):
    with transaction(engine) as session:
        assert spend_token_id(session, identity()) is True
    with transaction(engine) as session:
        assert spend_token_id(session, identity()) is False
        assert spend_token_id(session, identity(issuer="https://other.test")) is True
