from datetime import timedelta

from sqlmodel import delete, select

from kombo_portal.db.models import User, UserSession, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import find_user
from kombo_portal.records.sessions import end_session, resolve_session, start_session
from tests.use_cases.conftest import SECRET_KEY


def new_session(engine, email="admin@acme.test", **kwargs) -> str:
    with transaction(engine) as session:
        return start_session(session, find_user(session, email), SECRET_KEY, **kwargs)


def resolve(engine, token, now=None):
    with transaction(engine) as session:
        return resolve_session(session, token, SECRET_KEY, now=now)


def test_a_session_resolves_to_its_user_and_organisation(engine, people):
    token = new_session(engine)

    user = resolve(engine, token)

    assert (user.email, user.organisation_name, user.role) == (
        "admin@acme.test",
        "Acme Inc.",
        "admin",
    )
    assert user.is_admin


def test_only_a_hash_of_the_token_is_stored(engine, people):
    token = new_session(engine)

    with transaction(engine) as session:
        ids = [row.id for row in session.exec(select(UserSession))]
    assert token not in ids
    assert all(len(stored) == 64 for stored in ids)


def test_each_sign_in_gets_a_new_token(engine, people):
    assert new_session(engine) != new_session(engine)


def test_sessions_expire(engine, people):
    token = new_session(engine, lifetime=timedelta(minutes=5))

    assert resolve(engine, token, now=utc_now() + timedelta(minutes=4)) is not None
    assert resolve(engine, token, now=utc_now() + timedelta(minutes=6)) is None


def test_signing_out_ends_the_session(engine, people):
    token = new_session(engine)
    with transaction(engine) as session:
        end_session(session, token, SECRET_KEY)

    assert resolve(engine, token) is None


def test_the_session_of_a_deleted_user_is_gone(engine, people):
    token = new_session(engine, "member@acme.test")
    member_id = resolve(engine, token).user_id
    with transaction(engine) as session:
        session.exec(delete(User).where(User.id == member_id))

    assert resolve(engine, token) is None
    with transaction(engine) as session:
        left = session.exec(select(UserSession).where(UserSession.user_id == member_id)).all()
    assert left == [], "its sessions went with it"


def test_unknown_and_empty_tokens_resolve_to_nobody(engine, people):
    assert resolve(engine, "") is None
    assert resolve(engine, "made-up-token") is None


def test_another_secret_key_resolves_no_session(engine, people):
    token = new_session(engine)

    with transaction(engine) as session:
        assert resolve_session(session, token, "another-secret-key-of-32-characters!") is None
